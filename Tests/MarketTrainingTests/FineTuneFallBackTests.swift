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
    static func run(_ store: FeatureStore, learningRate: Double, fallBack: Bool) throws -> (CategoryWalkForwardResult, start: [String: [Float]], end: [String: [Float]]) {
        var (model, training) = WalkForwardFineTunerTests.model()
        training.learningRate = learningRate
        training.warmupSteps = 0
        let start = PretrainingFixture.weights(model)
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        var options = WalkForwardFineTunerTests.options()
        options.fallBackUnlessWindowsImprove = fallBack
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
        // A gentle fine-tune that helps keeps its weights (the gate is not "always fall back").
        let (gentle, _, gentleEnd) = try Self.run(store, learningRate: 1e-3, fallBack: true)
        let helped = try XCTUnwrap(gentle.windowsNLLFineTuned) <= (try XCTUnwrap(gentle.windowsNLLStart))
        XCTAssertEqual(gentle.fellBack, !helped)
        if helped { XCTAssertNotEqual(gentleEnd, start) }
    }
}
