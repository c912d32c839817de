// The one buy-and-hold: golden numbers by hand, the same curve in the backtest's benchmark and the strategy report's books.
import XCTest
import Foundation
import MarketData
@testable import MarketBacktest

final class BuyAndHoldTests: XCTestCase {
    /// A0 (x): opens 10 on day 1, closes 14 at the end. A1 (x): day 1 synthetic, first real open 20 on day 2, closes 25.
    /// A2 (y): opens 40 on day 1, no bar on day 5, last real close 48 (day 4). Only A0 is ever bought.
    func prices() -> PriceMatrix {
        Fixture.prices([
            [Fixture.bar(10, 10), Fixture.bar(10, 11), Fixture.bar(11, 12), Fixture.bar(12, 12), Fixture.bar(12, 13), Fixture.bar(13, 14)],
            [Fixture.bar(18, 18), Fixture.bar(19, 19), Fixture.bar(20, 21), Fixture.bar(21, 22), Fixture.bar(22, 24), Fixture.bar(24, 25)],
            [Fixture.bar(40, 40), Fixture.bar(40, 41), Fixture.bar(41, 44), Fixture.bar(44, 46), Fixture.bar(46, 48), nil],
        ], synthetic: [[1, 1]])
    }

    func records() -> [SignalRecord] {
        (0..<5).flatMap { d -> [SignalRecord] in
            [("A0", "x", d == 0 ? SignalAction.buy : .hold), ("A1", "x", .hold), ("A2", "y", .hold)].map { ticker, category, action in
                var r = Fixture.signal(d, ticker, action)
                r.category = category
                return r
            }
        }
    }

    func testGoldenBuyAndHoldIsOneDefinitionInTheBacktestAndEveryBook() throws {
        var configuration = BacktestConfiguration()
        configuration.initialCapital = 9_000
        configuration.commission = 0.001
        let end = Fixture.day0 + 5
        let headline = try BacktestReport.run(records: records(), prices: prices(), configuration: configuration, end: end)
        let strategy = try StrategyReport.run(records: records(), prices: prices(), configuration: configuration, end: end)

        // Pooled: 3,000 per asset, never rebalanced, no costs. A0 300 shares at day 1's open 10; A1's 3,000 waits as cash
        // through its synthetic day 1 and buys 150 shares at day 2's open 20; A2 75 shares at 40, marked at its last real close.
        let pooled = headline.run.benchmark
        XCTAssertEqual(headline.run.benchmarkAssets, [0, 1, 2], "every asset with rows, not only the traded A0")
        XCTAssertEqual(pooled[0], 9_000)
        let expected1: Double = 300 * 11 + 3_000 + 75 * 41
        XCTAssertEqual(pooled[1], expected1, accuracy: 1e-9)            // 9,375
        let expected2: Double = 300 * 12 + 150 * 21 + 75 * 44
        XCTAssertEqual(pooled[2], expected2, accuracy: 1e-9)         // 10,050
        let expected3: Double = 300 * 14 + 150 * 25 + 75 * 48
        XCTAssertEqual(pooled[5], expected3, accuracy: 1e-9)         // 11,550
        let expected4: Double = 11_550.0 / 9_000
        XCTAssertEqual(headline.benchmarkMetrics.totalReturn, expected4 - 1, accuracy: 1e-12)   // +28.33 %
        // The traded-assets-only definition that the summary used before would have been A0 alone: 9,000/10 × 14.
        let tradedOnly: Double = 12_600.0 / 9_000 - 1
        XCTAssertNotEqual(headline.benchmarkMetrics.totalReturn, tradedOnly, accuracy: 1e-6)

        // The strategy report's pooled book has exactly the headline's buy-and-hold (curve and statistics).
        XCTAssertEqual(strategy.pooled.buyAndHold, pooled)
        XCTAssertEqual(strategy.pooled.buyAndHoldMetrics.totalReturn, headline.benchmarkMetrics.totalReturn)
        XCTAssertEqual(strategy.pooled.buyAndHoldMetrics.sharpe, headline.benchmarkMetrics.sharpe)
        XCTAssertEqual(strategy.pooled.metrics.totalReturn, headline.metrics.totalReturn)

        // Per category, each with the full capital: x = 4,500 in A0 (450 shares) and A1 (225 shares); y = 9,000 in A2 (225).
        let x = try XCTUnwrap(strategy.categories.first { $0.name == "x" })
        let y = try XCTUnwrap(strategy.categories.first { $0.name == "y" })
        let expected5: Double = 450 * 11 + 4_500
        XCTAssertEqual(x.buyAndHold[1], expected5, accuracy: 1e-9)
        let expected6: Double = 450 * 14 + 225 * 25
        XCTAssertEqual(x.buyAndHold[5], expected6, accuracy: 1e-9)              // 11,925
        let expected7: Double = 225 * 48
        XCTAssertEqual(y.buyAndHold[5], expected7, accuracy: 1e-9)                         // 10,800
        let expected8: Double = 11_925.0 / 9_000
        XCTAssertEqual(x.buyAndHoldMetrics.totalReturn, expected8 - 1, accuracy: 1e-12)
        let expected9: Double = 10_800.0 / 9_000
        XCTAssertEqual(y.buyAndHoldMetrics.totalReturn, expected9 - 1, accuracy: 1e-12)

        // metrics.json: the contract's benchmark_total_return is the pooled book's buy_and_hold_total_return, and says what it is.
        var withStrategy = headline
        withStrategy.strategy = strategy
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: withStrategy.metricsJSON()) as? [String: Any])
        let benchmark = try XCTUnwrap(json["benchmark_total_return"] as? Double)
        let book = try XCTUnwrap((json["strategy"] as? [String: Any])?["pooled"] as? [String: Any])
        XCTAssertEqual(benchmark, try XCTUnwrap(book["buy_and_hold_total_return"] as? Double))
        XCTAssertEqual(json["benchmark_definition"] as? String, Backtester.benchmarkDefinition)
        XCTAssertTrue(strategy.markdown.contains(Backtester.benchmarkDefinition), strategy.markdown)
    }

    func testCategoryWithoutAFittedRuleAddsNoTrialsAndHasNoDSR() throws {
        let configuration = BacktestConfiguration()
        let report = try StrategyReport.run(records: records(), prices: prices(), configuration: configuration, trials: 70,
                                            unfitted: ["y": "no real bar in its validation period 2021-07-31…2022-12-15"],
                                            end: Fixture.day0 + 5)
        XCTAssertEqual(report.pooled.trials, 70, "pooled trials = per-category trials × the categories with a rule (x only)")
        let x = try XCTUnwrap(report.categories.first { $0.name == "x" })
        let y = try XCTUnwrap(report.categories.first { $0.name == "y" })
        XCTAssertEqual(x.trials, 70)
        XCTAssertNil(x.noRuleReason)
        XCTAssertEqual(y.trials, 0)
        XCTAssertTrue(y.metrics.deflatedSharpe.isNaN)
        XCTAssertTrue(y.verdict.hasPrefix("No rule (no real bar in its validation period 2021-07-31…2022-12-15)"), y.verdict)
        XCTAssertTrue(report.markdown.contains("| no rule (no real bar in its validation period"), report.markdown)
        XCTAssertFalse(report.markdown.contains("(70) | n/a"), report.markdown)
        let json = try XCTUnwrap(report.jsonObject["categories"] as? [String: [String: Any]])
        XCTAssertEqual(json["y"]?["trials"] as? Int, 0)
        XCTAssertTrue(json["y"]?["deflated_sharpe"] is NSNull)
        XCTAssertEqual(json["y"]?["no_rule_reason"] as? String, "no real bar in its validation period 2021-07-31…2022-12-15")
        XCTAssertTrue(json["x"]?["no_rule_reason"] is NSNull)
        // Without the unfitted category the pooled book would count both categories' searches.
        let all = try StrategyReport.run(records: records(), prices: prices(), configuration: configuration, trials: 70, end: Fixture.day0 + 5)
        XCTAssertEqual(all.pooled.trials, 140)
    }
}
