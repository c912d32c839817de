// Sanity gates: signal rows outside the price dates, conflicting duplicates, price jumps beyond the bound.
import XCTest
import MarketData
@testable import MarketBacktest
import MarketSupport

final class SanityGateTests: XCTestCase {
    let prices = Fixture.prices([
        (0..<10).map { Fixture.bar(100 + Double($0), 101 + Double($0)) },
        (0..<10).map { Fixture.bar(50 - Double($0), 49 - Double($0)) },
    ])
    let records = [Fixture.signal(1, "A0", .buy), Fixture.signal(1, "A1", .buy), Fixture.signal(5, "A0", .sell),
                   Fixture.signal(8, "A1", .sell)]

    func testSignalBeforeThePricesIsRejectedThenDroppedWhenAllowed() throws {
        let early = SignalRecord(date: CivilDate.dayNumber(year: 1900, month: 1, day: 1), ticker: "A0", category: "",
                                 signal: .buy, confidence: .nan, expectedReturn: .nan, predMean: [], predStd: [],
                                 epistemicStd: .nan, aleatoricStd: .nan, lastClose: .nan, reason: "")
        XCTAssertThrowsError(try BacktestReport.run(records: [early] + records, prices: prices,
                                                    configuration: BacktestConfiguration())) { error in
            XCTAssertTrue("\(error)".contains("A0 1900-01-01"), "\(error)")
            XCTAssertTrue("\(error)".contains("out-of-range"), "\(error)")
        }
        var configuration = BacktestConfiguration()
        configuration.allowOutOfRangeSignals = true
        let allowed = try BacktestReport.run(records: [early] + records, prices: prices, configuration: configuration)
        let clean = try BacktestReport.run(records: records, prices: prices, configuration: configuration)
        XCTAssertEqual(allowed.run.equity, clean.run.equity, "the window must not stretch back to 1900")
        XCTAssertEqual(allowed.sanity.outOfRange.count, 1)
        XCTAssertTrue(String(decoding: try allowed.metricsJSON(), as: UTF8.self).contains("1900-01-01"))
    }

    func testSignalAfterItsTickersLastBarIsOutOfRange() throws {
        let short = Fixture.prices([(0..<10).map { _ in Fixture.bar(100, 100) }, (0..<4).map { _ in Fixture.bar(50, 50) }])
        let late = [Fixture.signal(1, "A0", .buy), Fixture.signal(6, "A1", .buy)]
        XCTAssertThrowsError(try BacktestReport.run(records: late, prices: short, configuration: BacktestConfiguration()))
        // A HOLD row for a day without data is what nightly writes ("no data"): not an error.
        let hold = [Fixture.signal(1, "A0", .buy), Fixture.signal(6, "A1", .hold)]
        XCTAssertNoThrow(try BacktestReport.run(records: hold, prices: short, configuration: BacktestConfiguration()))
    }

    func testConflictingDuplicatesAreRejectedThenDroppedWhenAllowed() throws {
        let conflict = records + [Fixture.signal(5, "A0", .buy)]
        XCTAssertThrowsError(try BacktestReport.run(records: conflict, prices: prices,
                                                    configuration: BacktestConfiguration())) { error in
            XCTAssertTrue("\(error)".contains("A0 2024-01-06"), "\(error)")
        }
        // The same action twice is a plain duplicate, not a conflict.
        XCTAssertNoThrow(try BacktestReport.run(records: records + [Fixture.signal(5, "A0", .sell)], prices: prices,
                                                configuration: BacktestConfiguration()))
        var configuration = BacktestConfiguration()
        configuration.allowConflictingSignals = true
        let allowed = try BacktestReport.run(records: conflict, prices: prices, configuration: configuration)
        XCTAssertEqual(allowed.sanity.conflicting.count, 2)
        let without = try BacktestReport.run(records: records.filter { $0.date != Fixture.day0 + 5 }, prices: prices,
                                             configuration: configuration)
        XCTAssertEqual(allowed.run.equity, without.run.equity, "both conflicting rows are dropped")
    }

    /// One 1e30 tick on a held asset: the tick is flagged (not the normal bar after it), nothing trades or marks
    /// on it, and the result equals the run where that bar is simply missing.
    func testPriceSpikeIsFlaggedAndNeverTradedThrough() throws {
        var bars: [[(Double, Double, Double, Double)?]] = [
            (0..<10).map { Fixture.bar(100 + Double($0), 101 + Double($0)) },
            (0..<10).map { Fixture.bar(50 - Double($0), 49 - Double($0)) },
        ]
        bars[0][3] = Fixture.bar(1e30, 1e30)
        let spiked = Fixture.prices(bars)
        let report = try BacktestReport.run(records: records, prices: spiked, configuration: BacktestConfiguration())
        XCTAssertEqual(report.sanity.flaggedBars.map(\.date), [Fixture.day0 + 3])
        XCTAssertLessThan(abs(report.metrics.totalReturn), 0.5)
        bars[0][3] = nil
        let gap = try BacktestReport.run(records: records, prices: Fixture.prices(bars), configuration: BacktestConfiguration())
        XCTAssertEqual(report.run.equity, gap.run.equity)
        // A looser bound trades through a ×2 move; the default ×5 does not flag it either.
        bars[0][3] = Fixture.bar(206, 206)
        let doubled = try BacktestReport.run(records: records, prices: Fixture.prices(bars), configuration: BacktestConfiguration())
        XCTAssertTrue(doubled.sanity.flaggedBars.isEmpty)
        var tight = BacktestConfiguration()
        tight.maxPriceJump = 1.5
        let flagged = try BacktestReport.run(records: records, prices: Fixture.prices(bars), configuration: tight)
        XCTAssertEqual(flagged.sanity.flaggedBars.first?.ticker, "A0")
        XCTAssertEqual(flagged.sanity.flaggedBars.first?.factor ?? 0, 2, accuracy: 0.01)
        // A lasting level change flags the one bar where it happens, not every bar after it.
        for day in 3..<10 { bars[0][day] = Fixture.bar(1000, 1000) }
        let level = try BacktestReport.run(records: records, prices: Fixture.prices(bars), configuration: BacktestConfiguration())
        XCTAssertEqual(level.sanity.flaggedBars.map(\.date), [Fixture.day0 + 3])
    }
}
