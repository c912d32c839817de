// Fixed-fraction fills do not depend on ticker names: exits first, entries sized after them, unaffordable ones dropped.
import XCTest
@testable import MarketData
@testable import MarketBacktest
import MarketSupport

final class FillOrderTests: XCTestCase {
    /// `closes[a]` per day (open = close of the same day, so fills are at round numbers) under `tickers[a]`.
    static func prices(_ tickers: [String], _ bars: [[(Double, Double)]]) -> PriceMatrix {
        let series = bars.map { list in
            OHLCVSeries(dates: list.indices.map { Fixture.day0 + DayNumber($0) }, open: list.map(\.0),
                        high: list.map { max($0.0, $0.1) }, low: list.map { min($0.0, $0.1) }, close: list.map(\.1),
                        volume: list.map { _ in 0 }, isSynthetic: list.map { _ in false })
        }
        return PriceMatrix(tickers: tickers, series: series)
    }

    static func noCosts(_ fraction: Double, _ mode: BacktestMode = .longOnly) -> BacktestConfiguration {
        var configuration = BacktestConfiguration()
        configuration.mode = mode
        configuration.sizing = .fixedFraction(fraction)
        configuration.commission = 0
        configuration.borrowRate = 0
        return configuration
    }

    /// The smallest case: fraction 0.5, no costs; day 1 BUY MMM and ZZZ (cash 0); day 3 SELL ZZZ and
    /// BUY AAA. At day 4's open ZZZ is sold first and AAA bought with its cash (50 shares at 100), AAA closes
    /// day 4 at 110: the run ends at 10,500 — whatever AAA is called.
    func testSmallestCaseEndsAtTheSameEquityUnderAnyName() throws {
        let flat = [(100.0, 100.0), (100, 100), (100, 100), (100, 100), (100, 100), (100, 100)]
        let rising = [(100.0, 100.0), (100, 100), (100, 100), (100, 100), (100, 110), (110, 110)]
        for first in ["AAA", "ZZZZ"] {
            let prices = Self.prices([first, "MMM", "ZZZ"], [rising, flat, flat])
            let records = [Fixture.signal(1, "MMM", .buy), Fixture.signal(1, "ZZZ", .buy),
                           Fixture.signal(3, "ZZZ", .sell), Fixture.signal(3, first, .buy)]
            let report = try BacktestReport.run(records: records, prices: prices, configuration: Self.noCosts(0.5),
                                                end: Fixture.day0 + 5)
            XCTAssertEqual(report.run.equity.last, 10_500, "first asset named \(first)")
            let aaa = try XCTUnwrap(report.run.trades.first { report.tickers[$0.asset] == first })
            XCTAssertEqual(aaa.entryRow, 4, "\(first) fills at the open after its signal, not a day later")
            XCTAssertEqual(aaa.entryShares, 50)
            XCTAssertEqual(report.run.droppedEntries, 0)
            XCTAssertEqual(report.run.cashLimitedEntries, 0)
        }
    }

    /// With every dollar invested and no exit, a new BUY cannot be afforded: it is dropped and counted, and the
    /// asset does not fill later (after another asset's exit frees cash) without a fresh signal.
    func testUnaffordableEntryIsDroppedNotFilledLater() throws {
        let flat = Array(repeating: (100.0, 100.0), count: 8)
        let prices = Self.prices(["A", "B", "C"], [flat, flat, flat])
        let records = [Fixture.signal(0, "A", .buy), Fixture.signal(0, "B", .buy),
                       Fixture.signal(2, "C", .buy), Fixture.signal(4, "A", .sell)]
        let report = try BacktestReport.run(records: records, prices: prices, configuration: Self.noCosts(0.5),
                                            end: Fixture.day0 + 7)
        XCTAssertEqual(report.run.droppedEntries, 1)
        XCTAssertFalse(report.run.trades.contains { report.tickers[$0.asset] == "C" }, "C filled without a signal")
        XCTAssertEqual(report.run.trades.count, 2)
    }

    /// Entries that together need more cash than is on hand are all cut by the same factor (not first come,
    /// first served by name), and counted.
    func testCashLimitedEntriesShareTheCash() throws {
        let flat = Array(repeating: (100.0, 100.0), count: 5)
        let prices = Self.prices(["A", "B", "C"], [flat, flat, flat])
        let records = [Fixture.signal(0, "A", .buy), Fixture.signal(1, "B", .buy), Fixture.signal(1, "C", .buy)]
        let report = try BacktestReport.run(records: records, prices: prices, configuration: Self.noCosts(0.6),
                                            end: Fixture.day0 + 4)
        // A takes 6,000; B and C each want 6,000 of the 4,000 left: 2,000 each.
        let shares = Dictionary(uniqueKeysWithValues: report.run.trades.map { (report.tickers[$0.asset], $0.entryShares) })
        XCTAssertEqual(shares["A"], 60)
        XCTAssertEqual(shares["B"], 20)
        XCTAssertEqual(shares["C"], 20)
        XCTAssertEqual(report.run.cashLimitedEntries, 2)
    }

    /// Random walks and random signals, costs and slippage on: renaming the tickers (reversing their order)
    /// changes neither the equity curve (up to summation order, 1e-12 relative) nor any trade.
    func testRenamingTickersGivesTheSameRun() throws {
        var rng = PairedNormalRandom(seed: 7, stream: 0)
        let n = 6, days = 120
        var bars: [[(Double, Double)]] = []
        for _ in 0..<n {
            var price = 50 + 100 * rng.uniform(), list: [(Double, Double)] = []
            for _ in 0..<days {
                let open = price * (1 + 0.01 * (rng.uniform() - 0.5))
                price = open * (1 + 0.04 * (rng.uniform() - 0.5))
                list.append((open, price))
            }
            bars.append(list)
        }
        var signals: [(Int, Int, SignalAction)] = []
        for day in 0..<(days - 1) {
            for a in 0..<n where rng.uniform() < 0.15 { signals.append((day, a, rng.uniform() < 0.5 ? .buy : .sell)) }
        }
        let names = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"], renamed = ["ZZ6", "ZZ5", "ZZ4", "ZZ3", "ZZ2", "ZZ1"]
        for mode in BacktestMode.allCases {
            for fraction in [0.3, 0.7] {
                var configuration = Self.noCosts(fraction, mode)
                configuration.commission = 0.001
                configuration.slippageBps = 5
                configuration.borrowRate = 0.02
                func run(_ tickers: [String]) throws -> BacktestReport {
                    let records = signals.map { Fixture.signal($0.0, tickers[$0.1], $0.2) }
                    return try BacktestReport.run(records: records, prices: Self.prices(tickers, bars),
                                                  configuration: configuration, end: Fixture.day0 + DayNumber(days - 1))
                }
                let a = try run(names), b = try run(renamed)
                XCTAssertGreaterThan(a.run.trades.count, 10)
                XCTAssertEqual(a.run.equity.count, b.run.equity.count)
                for (x, y) in zip(a.run.equity, b.run.equity) {
                    XCTAssertEqual(x, y, accuracy: 1e-12 * abs(x), "\(mode) \(fraction)")
                }
                func key(_ r: BacktestReport, _ tickers: [String]) -> [String] {
                    r.run.trades.map { t in
                        "\(tickers.firstIndex(of: r.tickers[t.asset])!) \(t.entryRow) \(t.exitRow) \(t.direction) "
                            + String(format: "%.9g", t.entryShares)
                    }.sorted()
                }
                XCTAssertEqual(key(a, names), key(b, renamed), "\(mode) \(fraction)")
                XCTAssertEqual(a.run.droppedEntries, b.run.droppedEntries)
                XCTAssertEqual(a.run.cashLimitedEntries, b.run.cashLimitedEntries)
            }
        }
    }
}

