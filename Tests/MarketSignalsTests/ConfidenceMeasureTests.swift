// The three confidence definitions on one hand-worked forecast (the README's example), and their names.
import XCTest
import MarketData
@testable import MarketSignals
import MarketSupport

final class ConfidenceMeasureTests: XCTestCase {
    let date = CivilDate.dayNumber(year: 2024, month: 3, day: 8)
    let fresh = AssetDataState(lastRealBarDate: CivilDate.dayNumber(year: 2024, month: 3, day: 8), latestBarIsSynthetic: false, lastClose: 100)

    /// 4 MC passes of Gaussian heads, one step: means 0.004, 0.002, 0.003, −0.001 (μ = 0.002), σ = 0.01 each.
    /// aleatoric = 0.0001, epistemic = var of the means = 0.0000035 (population).
    func forecast() -> AssetPredictive {
        let law = PredictiveLaw(family: LawFamily(degreesOfFreedom: .infinity), locations: [0.004, 0.002, 0.003, -0.001],
                                scales: [0.01, 0.01, 0.01, 0.01])
        return AssetPredictive(mean: [0.002], aleatoricVariance: [0.0001], epistemicVariance: [0.0000035], laws: [law])
    }

    func testTheReadmeExample() {
        let p = forecast()
        // probabilistic: the mixture's P(r > 0) = mean of Φ(m_i / 0.01) = mean(Φ(0.4), Φ(0.2), Φ(0.3), Φ(−0.1)).
        let probabilistic = ConfidenceMeasure.probabilistic.confidence(p, horizon: 1, mu: 0.002)
        let expected = (NormalDistribution.cdf(0.4) + NormalDistribution.cdf(0.2) + NormalDistribution.cdf(0.3) + NormalDistribution.cdf(-0.1)) / 4
        XCTAssertEqual(probabilistic, expected, accuracy: 1e-9)
        XCTAssertEqual(probabilistic, 0.5784, accuracy: 1e-3)
        // epistemic with s = 0.002: 1 / (1 + √0.0000035 / 0.002) = 1 / (1 + 0.9354) = 0.5167.
        XCTAssertEqual(ConfidenceMeasure.epistemic(scale: 0.002).confidence(p, horizon: 1, mu: 0.002),
                       1 / (1 + 0.0000035.squareRoot() / 0.002), accuracy: 1e-15)
        // agreement: 3 of the 4 passes have μ's sign.
        XCTAssertEqual(ConfidenceMeasure.agreement.confidence(p, horizon: 1, mu: 0.002), 0.75)
        // The rule uses the chosen definition; without members the agreement is undefined → low confidence.
        let rule = SignalRule(confidenceThreshold: 0.7, minReturn: 0, confidence: .agreement)
        XCTAssertEqual(rule.decide(date: date, ticker: "X", category: "c", predictive: p, data: fresh).signal, .buy)
        let bare = AssetPredictive(mean: [0.002], aleatoricVariance: [0.0001], epistemicVariance: [0.0000035])
        XCTAssertEqual(rule.decide(date: date, ticker: "X", category: "c", predictive: bare, data: fresh).reason, SignalRule.Reason.lowConfidence)
    }

    func testAgreementSumsTheMembersOverTheHorizon() {
        let step1 = PredictiveLaw(family: LawFamily(degreesOfFreedom: .infinity), locations: [0.01, -0.01, 0.002], scales: [1, 1, 1])
        let step2 = PredictiveLaw(family: LawFamily(degreesOfFreedom: .infinity), locations: [-0.02, 0.02, 0.001], scales: [1, 1, 1])
        let p = AssetPredictive(mean: [0.00067, 0.00033], aleatoricVariance: [1, 1], epistemicVariance: [0, 0], laws: [step1, step2])
        // Member sums over h = 2: −0.01, 0.01, 0.003 → 2 of 3 positive.
        XCTAssertEqual(ConfidenceMeasure.agreement.confidence(p, horizon: 2, mu: 0.001), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(ConfidenceMeasure.agreement.confidence(p, horizon: 1, mu: 0.00067), 2.0 / 3, accuracy: 1e-15)
    }

    func testNames() {
        XCTAssertEqual(ConfidenceMeasure(name: "probabilistic"), .probabilistic)
        XCTAssertEqual(ConfidenceMeasure(name: "agreement"), .agreement)
        XCTAssertEqual(ConfidenceMeasure(name: "epistemic", scale: 0.01), .epistemic(scale: 0.01))
        XCTAssertNil(ConfidenceMeasure(name: "epistemic"), "the epistemic form needs its scale")
        XCTAssertNil(ConfidenceMeasure(name: "vibes"))
        XCTAssertEqual(ConfidenceMeasure.names.compactMap { ConfidenceMeasure(name: $0, scale: 1)?.name }, ConfidenceMeasure.names)
    }
}
