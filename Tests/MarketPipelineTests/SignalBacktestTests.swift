// `SignalBacktest` with a rule file: one trial count for the headline and the pooled book, categories without a fitted
// rule reported as "no rule (reason)" outside that count, and the rule file's `unfitted` surviving a round trip.
import XCTest
import Foundation
import MarketBacktest
import MarketData
import MarketPipeline
import MarketSignals
import MarketSupport

final class SignalBacktestTests: XCTestCase {
    let day0 = CivilDate.dayNumber(year: 2024, month: 1, day: 1)

    /// Three assets in three categories, 30 days of a gentle zig-zag; BUY/SELL alternate every 3 days on each.
    func fixture() -> (PriceMatrix, [SignalRecord]) {
        let tickers = ["A", "B", "C"], categories = ["x", "y", "z"]
        let series = (0..<3).map { a -> OHLCVSeries in
            let close: [Double] = (0..<30).map { (d: Int) -> Double in
                let phase = Double(d) / 2 + Double(a)
                return 100 + Double(a) + 3 * sin(phase)
            }
            let open = close.indices.map { $0 == 0 ? close[0] : close[$0 - 1] }
            return OHLCVSeries(dates: (0..<30).map { day0 + DayNumber($0) }, open: open, high: zip(open, close).map { max($0, $1) },
                               low: zip(open, close).map { min($0, $1) }, close: close, volume: close.map { _ in 1 },
                               isSynthetic: close.map { _ in false })
        }
        var records: [SignalRecord] = []
        for d in 0..<29 {
            let action: SignalAction = d % 6 == 0 ? .buy : d % 6 == 3 ? .sell : .hold
            for a in 0..<3 {
                records.append(SignalRecord(date: day0 + DayNumber(d), ticker: tickers[a], category: categories[a], signal: action,
                                            confidence: 0.6, expectedReturn: 0.01, predMean: [], predStd: [], epistemicStd: .nan,
                                            aleatoricStd: .nan, lastClose: .nan, reason: ""))
            }
        }
        return (PriceMatrix(tickers: tickers, series: series), records)
    }

    func rule() -> SignalRuleFile {
        let fitted = SignalRuleFile.Category(confidenceThreshold: 0.55, minReturn: 0.001, horizon: 2, epistemicScale: nil,
                                             validationStart: "2023-01-01", validationEnd: "2023-06-30", dates: 120, assets: 1,
                                             sharpe: 0.5, totalReturn: 0.02, trades: 7, tradeRate: 0.1)
        return SignalRuleFile(checkpoint: "c.safetensors", contentHash: nil, objective: "sharpe", targetRate: nil, confidence: "probabilistic",
                              samples: 4, seed: 0, grid: .init(confidenceThresholds: [0.5, 0.6, 0.7], minReturns: [0, 0.01], horizons: [1, 2]),
                              backtest: .init(mode: "long_only", commission: 0.001, slippageBps: 0, borrowRate: 0),
                              categories: ["x": fitted], unfitted: ["y": "no real bar in its validation period 2023-01-01…2023-06-30"])
    }

    func testOneTrialCountAndNoRuleCategoriesOutsideIt() throws {
        let (prices, records) = fixture()
        let report = try SignalBacktest.run(records: records, prices: prices, configuration: BacktestConfiguration(), rule: rule())
        let strategy = try XCTUnwrap(report.strategy)
        // Grid 3 × 2 × 2 = 12 configurations, one category (x) searched: 12 trials for the headline and the pooled book.
        XCTAssertEqual(report.configuration.trials, 12)
        XCTAssertEqual(strategy.pooled.trials, 12)
        XCTAssertEqual(strategy.pooled.metrics.deflatedSharpe, report.metrics.deflatedSharpe)
        XCTAssertEqual(strategy.pooled.buyAndHold, report.run.benchmark)
        let books = Dictionary(uniqueKeysWithValues: strategy.categories.map { ($0.name, $0) })
        XCTAssertEqual(books["x"]?.trials, 12)
        XCTAssertNil(books["x"]?.noRuleReason)
        XCTAssertEqual(books["y"]?.noRuleReason, "no real bar in its validation period 2023-01-01…2023-06-30")
        XCTAssertEqual(books["z"]?.noRuleReason, "not in the rule file")
        for name in ["y", "z"] {
            XCTAssertEqual(books[name]?.trials, 0, name)
            XCTAssertTrue(books[name]?.metrics.deflatedSharpe.isNaN ?? false, name)
            XCTAssertTrue(books[name]?.verdict.hasPrefix("No rule (") ?? false, books[name]?.verdict ?? "")
            XCTAssertGreaterThan(books[name]?.metrics.numTrades ?? 0, 0, "the book still trades and is reported")
        }
        // Without a rule file every book uses configuration.trials.
        var settings = BacktestConfiguration()
        settings.trials = 5
        let plain = try SignalBacktest.run(records: records, prices: prices, configuration: settings)
        XCTAssertEqual(plain.configuration.trials, 5)
        XCTAssertEqual(plain.strategy?.pooled.trials, 5)
        XCTAssertTrue(plain.strategy?.categories.allSatisfy { $0.trials == 5 && $0.noRuleReason == nil } ?? false)
    }

    func testRuleFileKeepsUnfittedReasonsAndOldFilesStillRead() throws {
        let file = rule()
        let data = try file.jsonData()
        let decoded = try JSONDecoder().decode(SignalRuleFile.self, from: data)
        XCTAssertEqual(decoded, file)
        XCTAssertEqual(decoded.unfittedReason("y"), "no real bar in its validation period 2023-01-01…2023-06-30")
        XCTAssertNil(decoded.unfittedReason("x"))
        // A file written before `unfitted` existed (no key) reads, and every category is fitted or "not in the rule file".
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["unfitted"] = nil
        let old = try JSONDecoder().decode(SignalRuleFile.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.unfitted)
        XCTAssertEqual(old.unfittedReason("y"), "not in the rule file")
        // No unfitted category → no key, so such files keep their bytes.
        var complete = file
        complete.unfitted = nil
        XCTAssertFalse(String(decoding: try complete.jsonData(), as: UTF8.self).contains("unfitted"))
    }
}
