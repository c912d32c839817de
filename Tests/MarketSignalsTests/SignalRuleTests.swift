// Each branch of the BUY/SELL/HOLD rule, and the summary formatter.
import XCTest
import MarketData
@testable import MarketSignals
import MarketSupport

final class SignalRuleTests: XCTestCase {
    let date = CivilDate.dayNumber(year: 2024, month: 3, day: 8)
    let fresh = AssetDataState(lastRealBarDate: CivilDate.dayNumber(year: 2024, month: 3, day: 8),
                               latestBarIsSynthetic: false, lastClose: 100)

    func predictive(_ mean: [Double], _ aleatoric: [Double], _ epistemic: [Double]) -> AssetPredictive {
        AssetPredictive(mean: mean, aleatoricVariance: aleatoric, epistemicVariance: epistemic)
    }

    func testBuyWhenConfidentAndLarge() {
        // μ = 0.03, σ = sqrt(0.0002 + 0.0002) = 0.02 → Φ(1.5) = 0.9331927987
        let record = SignalRule().decide(date: date, ticker: "AAPL", category: "us_stocks",
                                         predictive: predictive([0.03, 0.01], [0.0002, 0.0003], [0.0002, 0.0001]), data: fresh)
        XCTAssertEqual(record.signal, .buy)
        XCTAssertEqual(record.confidence, 0.9331927987311419, accuracy: 1e-12)
        XCTAssertEqual(record.expectedReturn, 0.03, accuracy: 1e-15)
        XCTAssertEqual(record.reason, "")
        XCTAssertEqual(record.predStd[1], 0.02, accuracy: 1e-15)
        XCTAssertEqual(record.aleatoricStd, 0.0002.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(record.lastClose, 100)
    }

    /// With the model's own law (Student-t members), the confidence is that law's P(sign) — not the
    /// moment-matched Gaussian's Φ(|μ|/σ) (at 1.5 σ the t₄ of the same variance is more concentrated: higher).
    func testConfidenceUsesThePredictiveLaw() {
        let t = PredictiveLaw.studentT(mean: 0.03, variance: 0.0004, degreesOfFreedom: 4)
        let p = AssetPredictive(mean: [0.03], aleatoricVariance: [0.0004], epistemicVariance: [0], laws: [t])
        let record = SignalRule(confidenceThreshold: 0.5, minReturn: 0).decide(date: date, ticker: "X", category: "c", predictive: p, data: fresh)
        let expected = 1 - StudentTDistribution.cdf(-0.03 / t.scales[0], degreesOfFreedom: 4)
        XCTAssertEqual(record.confidence, expected, accuracy: 1e-12)
        XCTAssertGreaterThan(record.confidence, NormalDistribution.cdf(1.5) + 0.01)
        XCTAssertEqual(record.signal, .buy)
    }

    func testSellIsSymmetric() {
        let record = SignalRule().decide(date: date, ticker: "X", category: "c",
                                         predictive: predictive([-0.03], [0.0002], [0.0002]), data: fresh)
        XCTAssertEqual(record.signal, .sell)
        XCTAssertEqual(record.confidence, 0.9331927987311419, accuracy: 1e-12)
        XCTAssertEqual(record.expectedReturn, -0.03, accuracy: 1e-15)
    }

    func testHorizonSumsMeansAndVariances() {
        // h = 2: μ = 0.012 + 0.012 = 0.024 ≥ 0.02; σ² = 0.00005·2 + 0.00003·2 = 0.00016 → Φ(0.024/0.012649) = Φ(1.897)
        let forecast = predictive([0.012, 0.012, 0.5], [0.00005, 0.00005, 9], [0.00003, 0.00003, 9])
        let record = SignalRule(horizon: 2).decide(date: date, ticker: "X", category: "c", predictive: forecast, data: fresh)
        XCTAssertEqual(record.expectedReturn, 0.024, accuracy: 1e-15)
        XCTAssertEqual(record.confidence, 0.9711102144382013, accuracy: 1e-12)   // scipy.stats.norm.cdf
        XCTAssertEqual(record.epistemicStd, 0.00006.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(record.signal, .buy)
        // with h = 1 the same forecast is a small return
        XCTAssertEqual(SignalRule(horizon: 1).decide(date: date, ticker: "X", category: "c", predictive: forecast, data: fresh).reason,
                       SignalRule.Reason.smallReturn)
    }

    func testLowConfidence() {
        // μ = 0.03, σ = 0.1 → Φ(0.3) = 0.618 < 0.7
        let record = SignalRule().decide(date: date, ticker: "X", category: "c",
                                         predictive: predictive([0.03], [0.005], [0.005]), data: fresh)
        XCTAssertEqual(record.signal, .hold)
        XCTAssertEqual(record.reason, SignalRule.Reason.lowConfidence)
        XCTAssertEqual(record.confidence, 0.6179114221889526, accuracy: 1e-12)
    }

    func testSmallReturn() {
        let record = SignalRule().decide(date: date, ticker: "X", category: "c",
                                         predictive: predictive([0.01], [0.00001], [0.00001]), data: fresh)
        XCTAssertEqual(record.signal, .hold)
        XCTAssertEqual(record.reason, SignalRule.Reason.smallReturn)
        XCTAssertGreaterThan(record.confidence, 0.9)
    }

    func testBothFailuresAreReported() {
        let record = SignalRule().decide(date: date, ticker: "X", category: "c",
                                         predictive: predictive([0.001], [0.01], [0.01]), data: fresh)
        XCTAssertEqual(record.reason, "low confidence; small return")
    }

    func testThresholdsAreConfigurable() {
        let forecast = predictive([0.016], [0.00005], [0.00005])   // Φ(1.6) = 0.945, μ = 1.6%
        XCTAssertEqual(SignalRule().decide(date: date, ticker: "X", category: "c", predictive: forecast, data: fresh).signal, .hold)
        XCTAssertEqual(SignalRule(confidenceThreshold: 0.75, minReturn: 0.015)
            .decide(date: date, ticker: "X", category: "c", predictive: forecast, data: fresh).signal, .buy)
        XCTAssertEqual(SignalRule(confidenceThreshold: 0.95, minReturn: 0.015)
            .decide(date: date, ticker: "X", category: "c", predictive: forecast, data: fresh).reason, SignalRule.Reason.lowConfidence)
    }

    func testStaleData() {
        let old = AssetDataState(lastRealBarDate: date - 9, latestBarIsSynthetic: false, lastClose: 50)
        let record = SignalRule(maxStaleDays: 5).decide(date: date, ticker: "X", category: "c",
                                                        predictive: predictive([0.05], [0.0001], [0.0001]), data: old)
        XCTAssertEqual(record.signal, .hold)
        XCTAssertTrue(record.reason.hasPrefix(SignalRule.Reason.staleData), record.reason)
        XCTAssertTrue(record.reason.contains("2024-02-28"), record.reason)
        // exactly maxStaleDays old is still fresh (a long weekend)
        let weekend = AssetDataState(lastRealBarDate: date - 5, latestBarIsSynthetic: false, lastClose: 50)
        XCTAssertEqual(SignalRule(maxStaleDays: 5).decide(date: date, ticker: "X", category: "c",
                                                          predictive: predictive([0.05], [0.0001], [0.0001]), data: weekend).signal, .buy)
    }

    func testSyntheticLatestBar() {
        let synthetic = AssetDataState(lastRealBarDate: date - 1, latestBarIsSynthetic: true, lastClose: 50)
        let record = SignalRule().decide(date: date, ticker: "X", category: "c",
                                         predictive: predictive([0.05], [0.0001], [0.0001]), data: synthetic)
        XCTAssertEqual(record.signal, .hold)
        XCTAssertEqual(record.reason, SignalRule.Reason.syntheticBar)
    }

    func testNoData() {
        let none = AssetDataState(lastRealBarDate: nil, latestBarIsSynthetic: false, lastClose: .nan)
        XCTAssertEqual(SignalRule().decide(date: date, ticker: "X", category: "c",
                                           predictive: predictive([0.05], [0.0001], [0.0001]), data: none).reason,
                       SignalRule.Reason.noData)
        let record = SignalRule().decide(date: date, ticker: "X", category: "c", predictive: nil, data: fresh)
        XCTAssertEqual(record.signal, .hold)
        XCTAssertEqual(record.reason, SignalRule.Reason.noData)
        XCTAssertTrue(record.confidence.isNaN)
    }

    func testDataStateFromSeries() {
        let d0 = CivilDate.dayNumber(year: 2024, month: 1, day: 1)
        let series = OHLCVSeries(dates: [d0, d0 + 1, d0 + 2], open: [1, 2, 3], high: [1, 2, 3], low: [1, 2, 3],
                                 close: [1, 2, 3], volume: [0, 0, 0], isSynthetic: [false, false, true])
        let state = AssetDataState(series: series, date: d0 + 10)
        XCTAssertEqual(state.lastRealBarDate, d0 + 1)
        XCTAssertTrue(state.latestBarIsSynthetic)
        XCTAssertEqual(state.lastClose, 3)
        let early = AssetDataState(series: series, date: d0 + 1)   // nothing after the date is seen
        XCTAssertEqual(early.lastRealBarDate, d0 + 1)
        XCTAssertFalse(early.latestBarIsSynthetic)
        XCTAssertEqual(early.lastClose, 2)
        XCTAssertNil(AssetDataState(series: series, date: d0 - 1).lastRealBarDate)
    }

    func testSummaryCountsAndStrongest() {
        let rule = SignalRule()
        let records = [
            rule.decide(date: date, ticker: "AAPL", category: "us_stocks", predictive: predictive([0.03], [0.0002], [0.0002]), data: fresh),
            rule.decide(date: date, ticker: "MSFT", category: "us_stocks", predictive: predictive([0.05], [0.0002], [0.0002]), data: fresh),
            rule.decide(date: date, ticker: "BTC-USD", category: "crypto", predictive: predictive([-0.04], [0.0002], [0.0002]), data: fresh),
            rule.decide(date: date, ticker: "ETH-USD", category: "crypto", predictive: nil, data: fresh),
        ]
        let lines = SignalSummary.format(records).split(separator: "\n").map(String.init)
        func words(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }
        XCTAssertEqual(words(lines[1]), ["us_stocks", "2", "0", "0", "2"])
        XCTAssertEqual(words(lines[2]), ["crypto", "0", "1", "1", "2"])
        XCTAssertEqual(words(lines[3]), ["total", "2", "1", "1", "4"])
        XCTAssertTrue(lines[4].hasPrefix("strongest BUY: MSFT"), lines[4])
        XCTAssertTrue(lines[5].hasPrefix("strongest SELL: BTC-USD"), lines[5])
        XCTAssertEqual(lines[6], "no data (1): ETH-USD")
    }
}
