// Golden P&L of target-weight trading: every fill, commission and borrow fee of a tiny fixture worked out by hand.
import XCTest
import MarketData
@testable import MarketBacktest
import MarketSupport

final class WeightBacktestTests: XCTestCase {
    static func weight(_ day: Int, _ ticker: String, _ w: Double) -> TargetWeight {
        TargetWeight(date: Fixture.day0 + DayNumber(day), ticker: ticker, weight: w)
    }

    /// long_short, commission 0.1 %, borrow 3.65 %/year (0.01 % of the short's value per calendar day).
    /// Day 0: A 50 % long, B 25 % short. Day 2: A cut to 25 % (a resize of the same trade), B to 0 (covered).
    func testLongShortResizeAndCoverByHand() throws {
        let prices = Fixture.prices([
            [Fixture.bar(100, 100), Fixture.bar(100, 104), Fixture.bar(104, 106), Fixture.bar(106, 110), Fixture.bar(110, 108)],
            [Fixture.bar(50, 50), Fixture.bar(50, 50), Fixture.bar(50, 48), Fixture.bar(48, 45), Fixture.bar(45, 46)],
        ])
        var configuration = BacktestConfiguration()
        configuration.mode = .longShort
        configuration.commission = 0.001
        configuration.borrowRate = 0.0365
        configuration.initialCapital = 10_000
        let rows = [Self.weight(0, "A0", 0.5), Self.weight(0, "A1", -0.25), Self.weight(2, "A0", 0.25), Self.weight(2, "A1", 0)]
        let matrix = try XCTUnwrap(WeightMatrix(rows: rows, prices: prices, end: Fixture.day0 + 4))
        let run = Backtester.run(prices: prices, weights: matrix, configuration: configuration)
        let equity = run.equity
        XCTAssertEqual(equity[0], 10_000)
        // Day 1 open, E = 10,000: A 0.5·10,000/100 = 50 long (5,000 + 5 commission); B −0.25·10,000/50 = 50 short.
        var cash = 10_000.0 - 5_000 - 5 + 2_500 - 2.5                                  // 7,492.5
        XCTAssertEqual(equity[1], cash + 50 * 104 - 50 * 50, accuracy: 1e-9)           // 10,192.5
        // Day 2 close: borrow on B, 1 day at yesterday's mark 50: 50·50·0.0001 = 0.25.
        cash -= 0.25
        XCTAssertEqual(equity[2], cash + 50 * 106 - 50 * 48, accuracy: 1e-9)
        // Day 3 open: E = cash + A at 106 − B at 48. A → 0.25·E/106 shares (sell the rest); B covered at 48 after
        // one more day of borrow on the day-2 close 48.
        let e3 = cash + 50 * 106 - 50 * 48
        let a3 = 0.25 * e3 / 106
        cash += (50 - a3) * 106 - (50 - a3) * 106 * 0.001
        cash -= 50 * 48 * 0.0001
        cash -= 50 * 48 + 50 * 48 * 0.001
        XCTAssertEqual(equity[3], cash + a3 * 110, accuracy: 1e-9)
        // Day 4 (end): A sold at the close 108 with commission.
        cash += a3 * 108 - a3 * 108 * 0.001
        XCTAssertEqual(equity[4], cash, accuracy: 1e-9)

        XCTAssertEqual(run.trades.count, 2, "the cut of A resizes its trade, it does not open a new one")
        XCTAssertEqual(run.trades.map(\.direction), [1, -1])
        XCTAssertEqual(run.trades[1].borrow, 0.25 + 0.24, accuracy: 1e-12)
        XCTAssertEqual(run.trades[1].pnl, 50 * (50 - 48) - 2.5 - 2.4 - 0.49, accuracy: 1e-9)
        XCTAssertEqual(run.trades.reduce(0) { $0 + $1.pnl }, equity[4] - 10_000, accuracy: 1e-9)
        XCTAssertEqual(run.tradedValue, 5_000 + 2_500 + (50 - a3) * 106 + 2_400 + a3 * 108, accuracy: 1e-9)
    }

    /// A repeated, unchanged weight never trades again (drift is kept); a stop-loss forgets the target, so the
    /// next row re-enters; long_only turns a negative weight into flat and shares the cash when weights exceed it.
    func testUnchangedWeightsStopsAndLongOnly() throws {
        let prices = Fixture.prices([
            [Fixture.bar(100, 100), Fixture.bar(100, 102), Fixture.bar(102, 95, low: 90), Fixture.bar(96, 97), Fixture.bar(97, 99)],
            [Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10)],
        ])
        var configuration = BacktestConfiguration()
        configuration.commission = 0
        configuration.stopLoss = 0.05
        configuration.initialCapital = 1_000
        let rows = (0..<4).map { Self.weight($0, "A0", 0.5) } + [Self.weight(0, "A1", -0.3)]
        let matrix = try XCTUnwrap(WeightMatrix(rows: rows, prices: prices, end: Fixture.day0 + 4))
        let run = Backtester.run(prices: prices, weights: matrix, configuration: configuration)
        XCTAssertEqual(run.trades.count, 2, "one entry, the stop, one re-entry; A1's short is flat in long_only")
        XCTAssertEqual(run.trades[0].exitReason, .stopLoss)
        XCTAssertEqual(run.trades[0].exitPrice, 95, accuracy: 1e-12)   // 100 · (1 − 5 %)
        XCTAssertEqual(run.trades[1].entryRow, 3)
        // Entry 5 shares at 100; stop sells 5 at 95 (cash 975); re-entry 0.5 · 975 / 96 at day 3's open.
        let reentry = 0.5 * 975 / 96
        XCTAssertEqual(run.trades[1].entryShares, reentry, accuracy: 1e-12)
        XCTAssertEqual(run.tradedValue, 500 + 475 + reentry * 96 + reentry * 99, accuracy: 1e-9)

        // Weights above the cash in long_only: both entries cut by the same factor to the cash on hand.
        let heavy = [Self.weight(0, "A0", 0.8), Self.weight(0, "A1", 0.8)]
        var plain = BacktestConfiguration()
        plain.commission = 0.001
        plain.initialCapital = 1_000
        let heavyRun = Backtester.run(prices: prices, weights: try XCTUnwrap(WeightMatrix(rows: heavy, prices: prices, end: Fixture.day0 + 2)),
                                      configuration: plain)
        XCTAssertEqual(heavyRun.cashLimitedEntries, 2)
        XCTAssertEqual(heavyRun.trades[0].entryShares * 100, heavyRun.trades[1].entryShares * 10, accuracy: 1e-9)
        XCTAssertEqual(heavyRun.trades[0].entryShares * 100 * 2 * 1.001, 1_000, accuracy: 1e-9)
    }

    /// A weight file round-trips; bad rows are one-line errors with file and line.
    func testWeightFileRoundTripAndErrors() throws {
        let rows = [Self.weight(0, "A0", 0.125), Self.weight(0, "B,1", -0.05)]
        let text = WeightFile.csvText(rows)
        XCTAssertEqual(text, "date,ticker,weight\n2024-01-01,A0,0.125\n2024-01-01,\"B,1\",-0.05\n")
        XCTAssertEqual(try WeightFile.parse(Array(text.utf8), file: "w.csv"), rows)
        for (bad, reason) in [("date,ticker,weight\n2024-01-01,A,abc\n", "line 2: weight 'abc'"),
                              ("date,ticker,weight\n2024-01-01,A,12\n", "line 2: weight 12.0 is outside"),
                              ("date,ticker,weight\n2024-01-01,A,0.1\n2024-01-01,A,0.2\n", "line 3: A appears twice"),
                              ("date,ticker\n2024-01-01,A\n", "line 1: missing column 'weight'")] {
            XCTAssertThrowsError(try WeightFile.parse(Array(bad.utf8), file: "w.csv")) { error in
                XCTAssertTrue(String(describing: error).contains(reason), "\(error) lacks \(reason)")
            }
        }
    }
}
