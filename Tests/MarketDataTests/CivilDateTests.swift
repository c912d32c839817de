// Day-number conversions against known dates and a round trip over two centuries.
import XCTest
@testable import MarketData
import MarketSupport

final class CivilDateTests: XCTestCase {
    func testKnownDates() {
        XCTAssertEqual(CivilDate.dayNumber(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(CivilDate.dayNumber(year: 2000, month: 3, day: 1), 11017)
        XCTAssertEqual(CivilDate.isoString(19723), "2024-01-01")
        XCTAssertEqual(CivilDate.weekday(19723), 0) // 2024-01-01 was a Monday
        XCTAssertNil(CivilDate.parseISO("2023-02-29"))
        XCTAssertEqual(CivilDate.parseISO("2024-02-29 00:00:00-05:00"), CivilDate.dayNumber(year: 2024, month: 2, day: 29))
    }

    func testRoundTrip() {
        for day in DayNumber(-25000)...DayNumber(50000) {
            let (y, m, d) = CivilDate.civil(day)
            XCTAssertEqual(CivilDate.dayNumber(year: y, month: m, day: d), day)
        }
    }
}
