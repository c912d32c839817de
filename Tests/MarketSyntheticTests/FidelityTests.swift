// Fidelity: resamples of the source score high, an i.i.d. Gaussian of the same variance clearly lower.
import XCTest
@testable import MarketSynthetic
import MarketSupport

final class FidelityTests: XCTestCase {
    func testSourceAgainstItselfIsPerfect() throws {
        let engine = try SyntheticEngine(series: GARCHReference.series(days: 1500, seed: 2))
        XCTAssertEqual(FidelityScore.score(engine.sourceFacts, to: engine.sourceFacts), 100, accuracy: 1e-9)
    }

    func testBootstrapScoresHighAndGaussianClearlyLower() throws {
        let engine = try SyntheticEngine(series: GARCHReference.series(days: 5001, seed: 12))
        let workspace = CandidateWorkspace(length: engine.source.count)
        let bootstrap = (0..<30).map { engine.evaluate(seed: 5, candidate: $0, workspace: workspace).fidelity }.sorted()
        let sigma = engine.sourceFacts.volatility
        var rng = SeededRandom(seed: 99, salt: SeededRandom.syntheticSalt)
        let gaussian = (0..<30).map { _ -> Double in
            let r = (0..<engine.source.count).map { _ in sigma * rng.gaussian() }
            return FidelityScore.score(StylizedFacts(returns: r), to: engine.sourceFacts)
        }.sorted()
        let bootstrapMedian = bootstrap[15], gaussianMedian = gaussian[15]
        XCTAssertGreaterThan(bootstrapMedian, 85, "bootstrap median \(bootstrapMedian)")
        XCTAssertLessThan(gaussianMedian, 70, "gaussian median \(gaussianMedian)")
        XCTAssertGreaterThan(bootstrap[3], gaussian[26], "the distributions must barely overlap")
    }

    func testWeightsAndTolerancesCoverEveryMetric() {
        XCTAssertEqual(FidelityScore.weights.count, StylizedFacts.count)
        XCTAssertEqual(FidelityScore.absoluteTolerance.count, StylizedFacts.count)
        XCTAssertEqual(FidelityScore.relativeTolerance.count, StylizedFacts.count)
        XCTAssertEqual(Array(FidelityScore.weights.prefix(12)), [3, 2, 2, 1.5, 1, 2, 3, 2, 1, 1, 2, 2])
    }
}
