// The three real messy files load with the right options and fail with a one-line error without them.
import XCTest
@testable import MarketData
import MarketTestSupport
import MarketSupport

final class MessyFileTests: XCTestCase {
    func url(_ name: String) throws -> URL { try SharedData.folder("raw-messy").appendingPathComponent(name) }

    func assertOneLineError(_ body: () throws -> Void, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? DataError else { return XCTFail("not a DataError: \(error)", file: file, line: line) }
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
            for part in parts { XCTAssertTrue(error.description.contains(part), "\(error.description) lacks \(part)", file: file, line: line) }
        }
    }

    func testYahooDayMonthYearWithNulls() throws {
        let file = try url("BP.L_yahoo_ddmmyyyy_nulls.csv")
        assertOneLineError({ _ = try OHLCVCSV.load(file) }, contains: ["BP.L_yahoo_ddmmyyyy_nulls.csv", "line 2", "01/07/2015", "--date-order"])
        let result = try OHLCVCSV.load(file, options: CSVOptions(dateOrder: .dmy))
        XCTAssertEqual(result.series.count, 1262)
        XCTAssertEqual(result.report.droppedByReason, [.null: 2])
        XCTAssertEqual(result.report.droppedRows.map(\.line), [127, 130])
        XCTAssertTrue(result.report.adjusted)
        XCTAssertEqual(result.series.dates.first, CivilDate.dayNumber(year: 2015, month: 7, day: 1))
        // First row: 01/07/2015,425,425.799988,417.993011,419.149994,287.015778 → close adjusted to Adj Close.
        XCTAssertEqual(result.series.close[0], 287.015778, accuracy: 1e-9)
        XCTAssertEqual(result.series.open[0], 425 * 287.015778 / 419.149994, accuracy: 1e-9)
        XCTAssertEqual(result.series.volume[0], 30738126)
    }

    func testInvestingFrenchExport() throws {
        let file = try url("LVMH_investing_fr.csv")
        assertOneLineError({ _ = try OHLCVCSV.load(file) }, contains: ["LVMH_investing_fr.csv", "line 1", "missing column open", "Dernier"])
        let options = CSVOptions(dateOrder: .dmy, decimalComma: true,
                                 columns: [.close: "Dernier", .open: "Ouv.", .high: "Plus Haut", .low: "Plus Bas", .volume: "Vol."])
        let result = try OHLCVCSV.load(file, options: options)
        XCTAssertEqual(result.series.count, 5000)
        XCTAssertEqual(result.report.order, .descending)
        XCTAssertEqual(result.series.dates.last, CivilDate.dayNumber(year: 2020, month: 6, day: 2))
        // "02/06/2020","384,95","383,60","386,70","380,10","885,11K"
        XCTAssertEqual(result.series.close.last!, 384.95, accuracy: 1e-9)
        XCTAssertEqual(result.series.open.last!, 383.60, accuracy: 1e-9)
        XCTAssertEqual(result.series.volume.last!, 885_110, accuracy: 1e-6)
        XCTAssertFalse(result.report.adjusted)
    }

    func testChinesePreambleUnadjusted() throws {
        let file = try url("sh600519_cn_preamble_unadjusted.csv")
        assertOneLineError({ _ = try OHLCVCSV.load(file) }, contains: ["sh600519", "line 1", "missing column date"])
        let options = CSVOptions(skipLines: 1, columns: [.date: "交易日期", .open: "开盘价", .high: "最高价", .low: "最低价",
                                                        .close: "收盘价", .volume: "成交量"])
        let result = try OHLCVCSV.load(file, options: options)
        XCTAssertEqual(result.series.count, 4874)
        XCTAssertEqual(result.series.close.first!, 35.55, accuracy: 1e-12)
        XCTAssertEqual(result.series.volume.first!, 40631800)
        XCTAssertFalse(result.report.adjusted)
        // A wrong mapping names the column it could not find.
        assertOneLineError({ _ = try OHLCVCSV.load(file, options: CSVOptions(skipLines: 1, columns: [.date: "日期"])) },
                           contains: ["line 2", "no column '日期'"])
    }
}
