// The fine-tuning fall-back: a fine-tuned path that scores worse on the walk-forward windows than the starting model
// returns the starting weights bit for bit; the choice reads only the windows (never the out-of-sample period).
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class FineTuneFallBackTests: XCTestCase {
    static func run(_ store: FeatureStore, learningRate: Double, fallBack: Bool, significance: Double? = nil) throws -> (CategoryWalkForwardResult, start: [String: [Float]], end: [String: [Float]]) {
        var (model, training) = WalkForwardFineTunerTests.model()
        training.learningRate = learningRate
        training.warmupSteps = 0
        let start = PretrainingFixture.weights(model)
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        var options = WalkForwardFineTunerTests.options()
        options.fallBackUnlessWindowsImprove = fallBack
        options.fallBackSignificance = significance
        let tuner = WalkForwardFineTuner(store: store, normalizer: normalizer, options: options)
        let (result, _, trainer) = try tuner.run(model: model, training: training, categoryID: 0, name: "cat0")
        return (result, start, PretrainingFixture.weights(trainer.model))
    }

    func testAHarmfulFineTuneFallsBackToTheStartingWeightsAndTheChoiceIgnoresTheOutOfSamplePeriod() throws {
        let store = WalkForwardFineTunerTests.store()
        // A learning rate of 0.3 wrecks the model: without the fall-back the weights move and the windows get worse.
        let (off, start, moved) = try Self.run(store, learningRate: 0.3, fallBack: false)
        XCTAssertNotEqual(moved, start)
        XCTAssertNil(off.fellBack)
        let (on, start2, kept) = try Self.run(store, learningRate: 0.3, fallBack: true)
        XCTAssertEqual(start2, start)
        XCTAssertEqual(on.fellBack, true)
        XCTAssertGreaterThan(try XCTUnwrap(on.windowsNLLFineTuned), try XCTUnwrap(on.windowsNLLStart))
        XCTAssertEqual(kept.mapValues { $0.map(\.bitPattern) }, start.mapValues { $0.map(\.bitPattern) }, "the starting weights bit for bit")
        XCTAssertEqual(on.outOfSampleFineTuned.scores["model"]?.nll, on.outOfSamplePretrained.scores["model"]?.nll)
        // The decision reads the windows only: a different out-of-sample period changes nothing about it.
        let oosStart = try XCTUnwrap(CivilDate.parseISO(on.outOfSampleStart))
        let (changed, _, _) = try Self.run(WalkForwardFineTunerTests.altered(store, from: oosStart, factor: 3), learningRate: 0.3, fallBack: true)
        XCTAssertEqual(changed.fellBack, on.fellBack)
        XCTAssertEqual(changed.windowsNLLFineTuned, on.windowsNLLFineTuned)
        XCTAssertEqual(changed.windowsNLLStart, on.windowsNLLStart)
        // The last update (scored by no window) is validated on its held-out tail, which also lies before the OOS period.
        XCTAssertNotNil(on.tailNLLFineTuned)
        XCTAssertEqual(changed.tailNLLFineTuned, on.tailNLLFineTuned)
        XCTAssertEqual(changed.tailNLLStart, on.tailNLLStart)
        // Fell back: train_end stays the starting checkpoint's (the returned weights never trained on the windows).
        XCTAssertNil(on.fineTuneTrainEnd)
        XCTAssertNotNil(off.fineTuneTrainEnd)
        // A gentle fine-tune that helps keeps its weights (the gate is not "always fall back").
        let (gentle, _, gentleEnd) = try Self.run(store, learningRate: 1e-3, fallBack: true)
        let helped = try XCTUnwrap(gentle.windowsNLLFineTuned) <= (try XCTUnwrap(gentle.windowsNLLStart))
            && (try XCTUnwrap(gentle.tailNLLFineTuned)) <= (try XCTUnwrap(gentle.tailNLLStart))
        XCTAssertEqual(gentle.fellBack, !helped)
        if helped { XCTAssertNotEqual(gentleEnd, start) }
    }

    /// With a significance level the fine-tuned weights must beat the starting ones significantly on *both* pieces of
    /// evidence (DM on daily mean differentials of the windows and of the held-out tail) and be worse on none; a missing
    /// piece is not evidence. The decision still reads only the validation evidence.
    func testWithASignificanceLevelOnlyASignificantImprovementOnBothPiecesKeepsTheFineTunedWeights() throws {
        func dm(_ statistic: Double, _ p: Double) -> DieboldMarianoResult { DieboldMarianoResult(statistic: statistic, pValue: p, meanDifference: statistic, count: 40, lags: 2) }
        var decision = FallBackDecision(windowsTuned: -2.0, windowsStart: -2.0, tailTuned: -2.1, tailStart: -2.0)
        decision.tailDM = dm(-1.5, 0.13)
        XCTAssertFalse(decision.fellBack, "without a level any improvement keeps")
        decision.significance = 0.05
        XCTAssertTrue(decision.fellBack, "p 0.13 is not significant at 5 %")
        decision.tailDM = dm(-2.5, 0.012)
        XCTAssertTrue(decision.fellBack, "a significant tail without windows' evidence (every window inside the training range) is not enough")
        decision.windowsDM = dm(-1.53, 0.127)
        XCTAssertTrue(decision.fellBack, "the windows do not confirm the tail")
        decision.windowsDM = dm(-2.77, 0.006)
        XCTAssertFalse(decision.fellBack, "both significant: kept")
        decision.tailDM = dm(-1.23, 0.219)
        XCTAssertTrue(decision.fellBack, "significant windows, the final weights not shown better on the tail (seed 44 us_stocks' evidence)")
        decision.tailDM = dm(2.5, 0.012)
        XCTAssertTrue(decision.fellBack, "a significant difference the wrong way")
        decision.tailDM = dm(-3, 0.003)
        decision.tailTuned = -1.9
        XCTAssertTrue(decision.fellBack, "worse on the tail: significance elsewhere does not keep it")
        // End to end: a gentle fine-tune kept without a level is kept at a level both pieces of its evidence pass (α = 0.5
        // when both p < 0.5), and falls back — to the starting weights, bit for bit — at α = the larger p (not below α).
        let store = WalkForwardFineTunerTests.store()
        let (plain, start, plainEnd) = try Self.run(store, learningRate: 1e-3, fallBack: true)
        XCTAssertEqual(plain.fellBack, false)
        XCTAssertNotEqual(plainEnd, start)
        let windows = try XCTUnwrap(plain.windowsDieboldMariano), tail = try XCTUnwrap(plain.tailDieboldMariano)
        XCTAssertLessThan(windows.statistic, 0, "the gentle fine-tune improved the windows: \(windows)")
        XCTAssertLessThan(tail.statistic, 0, "the gentle fine-tune improved the tail: \(tail)")
        let larger = max(windows.pValue, tail.pValue)
        XCTAssertLessThan(larger, 0.5)
        let (lenient, _, lenientEnd) = try Self.run(store, learningRate: 1e-3, fallBack: true, significance: 0.5)
        XCTAssertEqual(lenient.fellBack, false)
        XCTAssertEqual(lenientEnd.mapValues { $0.map(\.bitPattern) }, plainEnd.mapValues { $0.map(\.bitPattern) }, "kept: the fine-tuned weights")
        let (strict, _, strictEnd) = try Self.run(store, learningRate: 1e-3, fallBack: true, significance: larger)
        XCTAssertEqual(strict.windowsDieboldMariano, windows, "the same evidence")
        XCTAssertEqual(strict.tailDieboldMariano, tail, "the same evidence")
        XCTAssertEqual(strict.fellBack, true, "p \(larger) is not below α = p")
        XCTAssertEqual(strictEnd.mapValues { $0.map(\.bitPattern) }, start.mapValues { $0.map(\.bitPattern) }, "the starting weights bit for bit")
        XCTAssertEqual(strict.outOfSampleFineTuned.scores["model"]?.nll, strict.outOfSamplePretrained.scores["model"]?.nll)
    }

    func testTheGateFallsBackWhenEitherPieceOfEvidenceIsWorse() {
        XCTAssertFalse(FallBackDecision(windowsTuned: -2.0, windowsStart: -1.9, tailTuned: -2.1, tailStart: -2.0).fellBack)
        XCTAssertTrue(FallBackDecision(windowsTuned: -2.0, windowsStart: -2.1, tailTuned: -2.1, tailStart: -2.0).fellBack)
        XCTAssertTrue(FallBackDecision(windowsTuned: -2.0, windowsStart: -1.9, tailTuned: -1.9, tailStart: -2.0).fellBack, "the last update alone hurt")
        XCTAssertTrue(FallBackDecision(windowsTuned: nil, windowsStart: nil, tailTuned: -1.9, tailStart: -2.0).fellBack, "no scored window: the tail decides")
        XCTAssertFalse(FallBackDecision(windowsTuned: -2.0, windowsStart: -2.0, tailTuned: nil, tailStart: nil).fellBack, "a tie keeps the fine-tuned weights")
    }
}
