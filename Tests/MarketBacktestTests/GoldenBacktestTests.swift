// Golden P&L: fixed signal sequences on tiny fixtures, every fill, commission and borrow fee worked out by hand.
import XCTest
import MarketData
@testable import MarketBacktest
import MarketSupport

/// Builds small price matrices from per-asset OHLC lists (consecutive calendar days from 2024-01-01).
enum Fixture {
    static let day0 = CivilDate.dayNumber(year: 2024, month: 1, day: 1)

    /// `bars[a]` = [(open, high, low, close)] per day; nil = no bar; `synthetic` marks (asset, day) cells.
    static func prices(_ bars: [[(Double, Double, Double, Double)?]], synthetic: Set<[Int]> = []) -> PriceMatrix {
        let tickers = bars.indices.map { "A\($0)" }
        let series = bars.enumerated().map { a, list -> OHLCVSeries in
            let present = list.indices.filter { list[$0] != nil }
            return OHLCVSeries(dates: present.map { day0 + DayNumber($0) }, open: present.map { list[$0]!.0 },
                               high: present.map { list[$0]!.1 }, low: present.map { list[$0]!.2 },
                               close: present.map { list[$0]!.3 }, volume: present.map { _ in 0 },
                               isSynthetic: present.map { synthetic.contains([a, $0]) })
        }
        return PriceMatrix(tickers: tickers, series: series)
    }

    /// Flat bar (open = high = low = close … widened by `range`).
    static func bar(_ open: Double, _ close: Double, high: Double? = nil, low: Double? = nil) -> (Double, Double, Double, Double) {
        (open, high ?? max(open, close), low ?? min(open, close), close)
    }

    static func signal(_ day: Int, _ ticker: String, _ action: SignalAction) -> SignalRecord {
        SignalRecord(date: day0 + DayNumber(day), ticker: ticker, category: "test", signal: action, confidence: .nan,
                     expectedReturn: .nan, predMean: [], predStd: [], epistemicStd: .nan, aleatoricStd: .nan,
                     lastClose: .nan, reason: "")
    }
}

final class GoldenBacktestTests: XCTestCase {
    /// long_short, fixed fraction 0.5, commission 0.1%, borrow 3.65%/year (= 0.01% of the short's value per
    /// calendar day), no slippage. A is bought, then flipped short; B is shorted throughout.
    func testLongShortWithCommissionAndBorrow() throws {
        let prices = Fixture.prices([
            [Fixture.bar(100, 100), Fixture.bar(100, 104), Fixture.bar(104, 106), Fixture.bar(106, 110),
             Fixture.bar(110, 108), Fixture.bar(108, 108)],
            [Fixture.bar(50, 50), Fixture.bar(50, 50), Fixture.bar(50, 48), Fixture.bar(48, 45),
             Fixture.bar(45, 46), Fixture.bar(46, 46)],
        ])
        var configuration = BacktestConfiguration()
        configuration.mode = .longShort
        configuration.sizing = .fixedFraction(0.5)
        configuration.commission = 0.001
        configuration.borrowRate = 0.0365
        configuration.initialCapital = 10_000
        let records = [Fixture.signal(0, "A0", .buy), Fixture.signal(0, "A1", .sell),
                       Fixture.signal(2, "A0", .sell), Fixture.signal(2, "A1", .hold)]
        let report = try BacktestReport.run(records: records, prices: prices, configuration: configuration,
                                            end: Fixture.day0 + 5)
        let equity = report.run.equity

        // Day 0 (start): 10,000 cash.
        XCTAssertEqual(equity[0], 10_000)
        // Day 1 open: equity 10,000 → A: 5,000/100 = 50 long; B: 5,000/50 = 100 short; commission 5 + 5.
        var cash = 10_000.0 - 5_000 - 5 + 5_000 - 5                     // 9,990
        // Day 1 close: A 104, B 50; B's borrow: 0 days held yet.
        XCTAssertEqual(equity[1], cash + 50 * 104 - 100 * 50, accuracy: 1e-9)   // 10,190
        // Day 2 close: A 106, B 48; borrow on B for 1 day at yesterday's mark 50: 100·50·0.0001 = 0.5.
        cash -= 0.5
        XCTAssertEqual(equity[2], cash + 50 * 106 - 100 * 48, accuracy: 1e-9)   // 10,489.5
        // Day 3 open: A flips. Sell 50 @ 106 (commission 5.3); then equity at the open
        // = cash + B at its open 48 → A short of half of it.
        cash += 50 * 106 - 5.3
        let equityAtOpen3 = cash - 100 * 48
        let shortA = 0.5 * equityAtOpen3 / 106
        cash += shortA * 106 - shortA * 106 * 0.001
        // Day 3 close: A 110, B 45; borrow B 1 day on mark 48 = 0.48; A entered today: 0 days.
        cash -= 100 * 48 * 0.0001
        XCTAssertEqual(equity[3], cash - shortA * 110 - 100 * 45, accuracy: 1e-9)
        // Day 4 close: A 108, B 46; each day's borrow is on the previous close: A 110, B 45.
        cash -= shortA * 110 * 0.0001 + 100 * 45 * 0.0001
        XCTAssertEqual(equity[4], cash - shortA * 108 - 100 * 46, accuracy: 1e-9)
        // Day 5 close (end): borrow A on 108, B on 46; then both covered at the close with commission.
        cash -= shortA * 108 * 0.0001 + 100 * 46 * 0.0001
        cash -= shortA * 108 * 1.001 + 100 * 46 * 1.001
        XCTAssertEqual(equity[5], cash, accuracy: 1e-9)

        // Trades: A long, B short, A short — in the order opened.
        let trades = report.run.trades
        XCTAssertEqual(trades.count, 3)
        XCTAssertEqual(trades.map(\.asset), [0, 1, 0])
        XCTAssertEqual(trades.map(\.direction), [1, -1, -1])
        XCTAssertEqual(trades[0].pnl, 50 * (106 - 100) - 5 - 5.3, accuracy: 1e-9)            // 289.7
        XCTAssertEqual(trades[1].borrow, 0.5 + 0.48 + 0.45 + 0.46, accuracy: 1e-9)
        XCTAssertEqual(trades[1].pnl, 100 * (50 - 46) - 5 - 4.6 - 1.89, accuracy: 1e-9)     // 388.51
        XCTAssertEqual(trades[2].pnl, shortA * (106 - 108) - shortA * 106 * 0.001 - shortA * 108 * 0.001
                       - shortA * (110 + 108) * 0.0001, accuracy: 1e-9)
        XCTAssertEqual(trades[2].exitReason, .end)
        // Σ trade P&L = final equity − capital.
        XCTAssertEqual(trades.reduce(0) { $0 + $1.pnl }, equity[5] - 10_000, accuracy: 1e-9)
        // Benchmark: 5,000 in each at day 1's open, no costs: A 50 shares, B 100 shares.
        XCTAssertEqual(report.run.benchmark[5], 50 * 108 + 100 * 46, accuracy: 1e-9)
        XCTAssertEqual(report.run.benchmark[3], 50 * 110 + 100 * 45, accuracy: 1e-9)
    }

    /// long_only, equal weight: entries resize the held positions; SELL closes; slippage 10 bps.
    func testLongOnlyEqualWeightRebalancesWithSlippage() throws {
        let prices = Fixture.prices([
            [Fixture.bar(10, 10), Fixture.bar(10, 11), Fixture.bar(12, 12), Fixture.bar(12, 13), Fixture.bar(13, 13)],
            [Fixture.bar(20, 20), Fixture.bar(20, 20), Fixture.bar(20, 21), Fixture.bar(22, 22), Fixture.bar(22, 22)],
        ])
        var configuration = BacktestConfiguration()
        configuration.commission = 0.001
        configuration.slippageBps = 10
        configuration.initialCapital = 1_000
        let records = [Fixture.signal(0, "A0", .buy), Fixture.signal(1, "A1", .buy), Fixture.signal(1, "A0", .hold),
                       Fixture.signal(2, "A0", .sell), Fixture.signal(3, "A1", .hold)]
        let report = try BacktestReport.run(records: records, prices: prices, configuration: configuration)
        let equity = report.run.equity
        let cost = 0.001 + 0.001   // commission + slippage per unit of value traded

        // Day 1 open: one position → (1000 − costs)/1; pass 1 trades 1000 → costs 2 → A = 998/10 = 99.8 shares.
        let a1 = (1_000 - 1_000 * cost) / 10
        var cash = 1_000 - a1 * 10 * 1.001 * 1.001    // buy at 10.01, commission 0.1%
        XCTAssertEqual(equity[1], cash + a1 * 11, accuracy: 1e-9)
        // Day 2 open (A 12, B 20): equity E; pass 1 targets E/2 each, traded |E/2 − a1·12| + E/2.
        let e2 = cash + a1 * 12
        let traded = abs(e2 / 2 - a1 * 12) + e2 / 2
        let each = (e2 - traded * cost) / 2
        let a2 = each / 12, b2 = each / 20
        cash += (a1 - a2) * 12 * 0.999 * 0.999        // sell A's excess at 11.988 minus commission
        cash -= b2 * 20 * 1.001 * 1.001
        XCTAssertEqual(equity[2], cash + a2 * 12 + b2 * 21, accuracy: 1e-9)
        // Day 3 open: A sold at 12 (SELL at day 2); B resized to the whole equity at the open,
        // less the costs of everything traded (A's sale and B's top-up).
        let e3 = cash + a2 * 12 + b2 * 22
        let traded3 = a2 * 12 + abs(e3 - b2 * 22)
        let b3 = (e3 - traded3 * cost) / 22
        cash += a2 * 12 * 0.999 * 0.999
        cash -= (b3 - b2) * 22 * 1.001 * 1.001
        XCTAssertEqual(report.run.dates.count, 4)   // window ends at the last signal date (day 3)
        // End: B sold at day 3's close 22 with slippage and commission; the last equity is that cash.
        XCTAssertEqual(equity[3], cash + b3 * 22 * 0.999 * 0.999, accuracy: 1e-9)
        XCTAssertEqual(report.run.trades.count, 2)
        XCTAssertEqual(report.run.trades[1].exitReason, .end)
        XCTAssertEqual(report.metrics.numTrades, 2)
        XCTAssertEqual(report.run.trades.reduce(0) { $0 + $1.pnl }, equity.last! - 1_000, accuracy: 1e-9)
    }

    /// Stops against High/Low: a gap through the stop fills at the open; the stop wins when both are touched.
    func testStopLossAndTakeProfit() throws {
        let prices = Fixture.prices([
            // A0: enters day 1 at 100; day 2 low 94 touches the 5% stop (95) → exit at 95.
            [Fixture.bar(100, 100), Fixture.bar(100, 101), Fixture.bar(99, 97, high: 99, low: 94), Fixture.bar(97, 97)],
            // A1: enters day 1 at 100; day 2 high 111 and low 94 → both touched: stop first, at 95.
            [Fixture.bar(100, 100), Fixture.bar(100, 100), Fixture.bar(100, 100, high: 111, low: 94), Fixture.bar(100, 100)],
            // A2: enters day 1 at 100; day 2 opens at 112, above the 10% take-profit → exit at the open 112.
            [Fixture.bar(100, 100), Fixture.bar(100, 100), Fixture.bar(112, 113), Fixture.bar(113, 113)],
            // A3: enters day 1 at 100; day 2 gaps down to 90 → exit at the open 90.
            [Fixture.bar(100, 100), Fixture.bar(100, 100), Fixture.bar(90, 91), Fixture.bar(91, 91)],
        ])
        var configuration = BacktestConfiguration()
        configuration.commission = 0
        configuration.stopLoss = 0.05
        configuration.takeProfit = 0.10
        configuration.sizing = .fixedFraction(0.25)
        configuration.initialCapital = 400
        let records = (0..<4).map { Fixture.signal(0, "A\($0)", .buy) }
        let report = try BacktestReport.run(records: records, prices: prices, configuration: configuration,
                                            end: Fixture.day0 + 3)
        let trades = report.run.trades
        XCTAssertEqual(trades.map(\.exitReason), [.stopLoss, .stopLoss, .takeProfit, .stopLoss])
        XCTAssertEqual(trades.map(\.exitPrice), [95, 95, 112, 90])
        XCTAssertEqual(trades.map { $0.exitRow }, [2, 2, 2, 2])
        // No re-entry without a new signal: flat from day 2 on, equity = cash.
        XCTAssertEqual(report.run.equity[3], 95 + 95 + 112 + 90, accuracy: 1e-9)
        XCTAssertEqual(report.run.equity[2], report.run.equity[3])
    }

    /// A fill never happens on a synthetic or missing bar: it waits for the next real open.
    func testNoFillOnSyntheticOrMissingBars() throws {
        let prices = Fixture.prices([
            [Fixture.bar(10, 10), Fixture.bar(11, 11), nil, Fixture.bar(13, 13), Fixture.bar(14, 14)],
            [Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10), Fixture.bar(10, 10)],
        ], synthetic: [[0, 1]])
        var configuration = BacktestConfiguration()
        configuration.commission = 0
        configuration.sizing = .fixedFraction(0.5)
        let records = [Fixture.signal(0, "A0", .buy), Fixture.signal(3, "A1", .hold)]
        let report = try BacktestReport.run(records: records, prices: prices, configuration: configuration)
        // Day 1 is synthetic, day 2 missing → A0 fills at day 3's open, 13.
        XCTAssertEqual(report.run.trades.count, 1)
        XCTAssertEqual(report.run.trades[0].entryRow, 3)
        XCTAssertEqual(report.run.trades[0].entryPrice, 13)
        XCTAssertEqual(report.run.blockedFills, 2)
        XCTAssertEqual(report.run.equity[1], 10_000)   // the synthetic close 11 is not used for marks
    }

    /// Look-ahead canary: rewriting every bar after a decision's fill day leaves the earlier equity unchanged,
    /// and a signal dated t only acts at t+1's open (never t's).
    func testNoLookAhead() throws {
        func prices(tail: Double) -> PriceMatrix {
            Fixture.prices([[Fixture.bar(10, 10), Fixture.bar(10, 12), Fixture.bar(12, 13), Fixture.bar(tail, tail), Fixture.bar(tail, tail)]])
        }
        var configuration = BacktestConfiguration()
        configuration.commission = 0
        let records = [Fixture.signal(0, "A0", .buy), Fixture.signal(4, "A0", .hold)]
        let a = try BacktestReport.run(records: records, prices: prices(tail: 13), configuration: configuration)
        let b = try BacktestReport.run(records: records, prices: prices(tail: 9_999), configuration: configuration)
        XCTAssertEqual(Array(a.run.equity[0...2]), Array(b.run.equity[0...2]))
        XCTAssertEqual(a.run.trades[0].entryRow, 1)
        XCTAssertEqual(a.run.trades[0].entryPrice, 10)   // day 1's open, not day 0's close
    }

    /// Signal rows for tickers without prices are reported, not dropped silently.
    func testUnmatchedTickersAreListed() throws {
        let prices = Fixture.prices([[Fixture.bar(10, 10), Fixture.bar(10, 10)]])
        let report = try BacktestReport.run(records: [Fixture.signal(0, "A0", .buy), Fixture.signal(0, "ZZZ", .buy),
                                                      Fixture.signal(1, "A0", .hold)],
                                            prices: prices, configuration: BacktestConfiguration())
        XCTAssertEqual(report.unmatchedTickers, ["ZZZ"])
        XCTAssertThrowsError(try BacktestReport.run(records: [Fixture.signal(0, "ZZZ", .buy)], prices: prices,
                                                    configuration: BacktestConfiguration()))
    }
}
