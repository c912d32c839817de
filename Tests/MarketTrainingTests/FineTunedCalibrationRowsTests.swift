// A kept fine-tune is calibrated on its own out-of-sample rows: the final weights' forecasts on the last update's
// held-out tail (before the out-of-sample period, trained on by no update), not the earlier weights' window rows.
import Foundation
import XCTest
import MarketData
import MarketModel
@testable import MarketTraining
import MarketSupport

final class FineTunedCalibrationRowsTests: XCTestCase {
    static func run(_ store: FeatureStore, learningRate: Double) throws -> (CategoryWalkForwardResult, WalkForwardForecasts) {
        var (model, training) = WalkForwardFineTunerTests.model()
        training.learningRate = learningRate
        training.warmupSteps = 0
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        var options = WalkForwardFineTunerTests.options()
        options.fallBackUnlessWindowsImprove = true
        let (result, forecasts, _) = try WalkForwardFineTuner(store: store, normalizer: normalizer, options: options)
            .run(model: model, training: training, categoryID: 0, name: "cat0")
        return (result, forecasts)
    }

    func testAKeptFineTuneCarriesTheFinalWeightsTailRowsAndIsCalibratedOnThem() throws {
        let store = WalkForwardFineTunerTests.store()
        let (kept, forecasts) = try Self.run(store, learningRate: 1e-3)
        try XCTSkipIf(kept.fellBack != false, "the gentle fine-tune fell back on this fixture")
        let tail = try XCTUnwrap(forecasts.heldOutTail, "a kept fine-tune reports its held-out tail rows")
        // The same rows the gate scored the final weights on.
        let nll = ForecastScoreCard(target: tail.targets, laws: tail.model).nll
        XCTAssertEqual(nll, try XCTUnwrap(kept.tailNLLFineTuned), accuracy: 1e-9)
        // Before the out-of-sample period, and untouched by it: poisoning every bar from the OOS start changes no byte.
        let oosStart = try XCTUnwrap(CivilDate.parseISO(kept.outOfSampleStart))
        XCTAssertTrue(tail.days.allSatisfy { $0 < oosStart })
        let (_, poisoned) = try Self.run(WalkForwardFineTunerTests.altered(store, from: oosStart, factor: 3), learningRate: 1e-3)
        let again = try XCTUnwrap(poisoned.heldOutTail)
        XCTAssertEqual(again.targets.map(\.bitPattern), tail.targets.map(\.bitPattern))
        XCTAssertEqual(again.model, tail.model)

        var windows = ForecastRows(horizon: tail.horizon)
        for rows in forecasts.windows { windows.append(rows) }
        let perStep = (0..<tail.horizon).map { step in stride(from: step, to: tail.targets.count, by: tail.horizon).filter { tail.targets[$0].isFinite }.count }
        let enough = try XCTUnwrap(perStep.min())
        XCTAssertGreaterThan(enough, 20)
        // Enough targets at every step: the tail; one more than the smallest step holds: the windows.
        XCTAssertTrue(PredictiveCalibration.fittedRows(windows: windows, heldOutTail: tail, minimumTargets: enough).isTail)
        XCTAssertFalse(PredictiveCalibration.fittedRows(windows: windows, heldOutTail: tail, minimumTargets: enough + 1).isTail)
        XCTAssertFalse(PredictiveCalibration.fittedRows(windows: windows, heldOutTail: nil, minimumTargets: 1).isTail)

        let starting = PredictiveCalibration(fittedOn: "validation", factors: ["cat0": [Double](repeating: 1, count: tail.horizon)], targets: ["cat0": 1])
        // A quantile map (after the scale): it reads every PIT value, so other rows give another calibration.
        let onTail = try XCTUnwrap(PredictiveCalibration.fineTuned(from: starting, fellBack: false, windows: windows, heldOutTail: tail, category: "cat0",
                                                                    categoryNames: ["cat0", "cat1"], method: .quantileMap, minimumTargets: enough))
        var onWindows = try XCTUnwrap(PredictiveCalibration.fineTuned(from: starting, fellBack: false, windows: windows, heldOutTail: nil, category: "cat0",
                                                                       categoryNames: ["cat0", "cat1"], method: .quantileMap, minimumTargets: enough))
        XCTAssertTrue(onTail.fittedOn.contains("held-out tail"), onTail.fittedOn)
        XCTAssertTrue(onWindows.fittedOn.contains("walk-forward windows"), onWindows.fittedOn)
        XCTAssertEqual(onTail, PredictiveCalibration.fit(tail, categoryNames: ["cat0", "cat1"], fittedOn: onTail.fittedOn, minimumTargets: enough,
                                                         method: .quantileMap))
        onWindows.fittedOn = onTail.fittedOn
        XCTAssertNotEqual(onTail, onWindows, "fitted on other rows")
    }

    func testAFallenBackFineTuneHasNoTailRowsAndKeepsTheStartingCalibration() throws {
        let (fell, forecasts) = try Self.run(WalkForwardFineTunerTests.store(), learningRate: 0.3)
        XCTAssertEqual(fell.fellBack, true)
        XCTAssertNil(forecasts.heldOutTail)
        let starting = PredictiveCalibration(fittedOn: "validation", factors: ["cat0": [1.1, 1.2]], targets: ["cat0": 500])
        XCTAssertEqual(PredictiveCalibration.fineTuned(from: starting, fellBack: true, windows: ForecastRows(horizon: 2), heldOutTail: nil,
                                                       category: "cat0", categoryNames: ["cat0"]), starting)
    }
}
