// Walk-forward fine-tuning: the leakage canary (OOS data changes nothing before it), window plan, masking, determinism.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class WalkForwardFineTunerTests: XCTestCase {
    /// One category of 3 random-walk assets, 1500 consecutive days (~4.1 years) from 2020-01-01.
    static func store(bars: Int = 1500, seed: UInt64 = 5) -> FeatureStore {
        let full = PretrainingFixture.store(assets: 6, categories: 2, bars: bars, seed: seed)
        return FeatureStore(assets: full.assets.filter { $0.categoryID == 0 }, categoryWeights: full.categoryWeights)
    }

    static func options() -> WalkForwardOptions {
        var options = WalkForwardOptions()
        options.windowMonths = 6
        options.oosYears = 1
        options.epochs = 1
        options.walkForwardYears = 2
        options.maxStepsPerWindow = 3
        options.seed = 11
        return options
    }

    static func model() -> (MarketGPT, TrainingConfig) {
        let config = PretrainingFixture.config()
        let modelConfig = try! config.model.modelConfig(assetCount: 6, categoryCount: 2)
        return (MarketGPT(config: modelConfig, seed: 7), config.training)
    }

    /// Runs the walk-forward of category 0 on `store` from the same initial weights.
    static func run(_ store: FeatureStore) throws -> (CategoryWalkForwardResult, WalkForwardForecasts, [String: [Float]]) {
        let (model, training) = model()
        let normalizer = FeatureNormalizer.fitted(store, ranges: store.assets.map { 0..<min($0.count, 400) })
        let tuner = WalkForwardFineTuner(store: store, normalizer: normalizer, options: options())
        let (result, forecasts, trainer) = try tuner.run(model: model, training: training, categoryID: 0, name: "cat0")
        return (result, forecasts, PretrainingFixture.weights(trainer.model))
    }

    /// Multiplies every bar's return and features on or after `day` by `factor` (a different OOS period).
    static func altered(_ store: FeatureStore, from day: DayNumber, factor: Float) -> FeatureStore {
        var copy = store
        for i in copy.assets.indices {
            let first = copy.assets[i].firstIndex(onOrAfter: day)
            for bar in first..<copy.assets[i].count {
                copy.assets[i].logReturns[bar] *= factor
                for f in 0..<6 { copy.assets[i].features[bar * MarketFeatures.count + f] *= factor }
            }
        }
        return copy
    }

    func testChangingTheOutOfSamplePeriodChangesNoFineTunedWeightAndNoWindowMetric() throws {
        let store = Self.store()
        let (base, baseForecasts, baseWeights) = try Self.run(store)
        XCTAssertGreaterThanOrEqual(base.windows.count, 3)
        XCTAssertGreaterThan(base.fineTuneSteps, 0)
        let oosStart = try XCTUnwrap(CivilDate.parseISO(base.outOfSampleStart))
        let (changed, changedForecasts, changedWeights) = try Self.run(Self.altered(store, from: oosStart, factor: 3))
        XCTAssertEqual(changedWeights, baseWeights, "a fine-tuned weight depends on out-of-sample data")
        XCTAssertEqual(changed.windows.count, base.windows.count)
        for (a, b) in zip(base.windows, changed.windows) {
            XCTAssertEqual(a.evaluation.targets, b.evaluation.targets)
            for name in ["model", "rw", "ewma", "garch"] {
                XCTAssertEqual(a.evaluation.scores[name]?.nll, b.evaluation.scores[name]?.nll, "window \(a.start) \(name)")
                XCTAssertEqual(a.evaluation.scores[name]?.crps, b.evaluation.scores[name]?.crps, "window \(a.start) \(name)")
            }
        }
        for (a, b) in zip(baseForecasts.windows, changedForecasts.windows) {
            XCTAssertTrue(zip(a.targets, b.targets).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
        // The canary can fail: the OOS evaluation itself does see the change.
        XCTAssertNotEqual(changed.outOfSampleFineTuned.scores["model"]?.nll, base.outOfSampleFineTuned.scores["model"]?.nll)
        // And a change just before the OOS start does reach the last window (targets there are scored).
        let (early, _, _) = try Self.run(Self.altered(store, from: oosStart - 60, factor: 3))
        XCTAssertNotEqual(early.windows.last?.evaluation.scores["model"]?.nll, base.windows.last?.evaluation.scores["model"]?.nll)
    }

    func testWindowsTileTheYearsBeforeTheOutOfSamplePeriodAndNeverReachIt() throws {
        let (base, forecasts, _) = try Self.run(Self.store())
        // Last day 2024-02-08 → OOS from 2023-02-09; two years back from its month: 2021-02-01.
        XCTAssertEqual(base.outOfSampleStart, "2023-02-09")
        XCTAssertEqual(base.windows.map(\.start), ["2021-02-01", "2021-08-01", "2022-02-01", "2022-08-01", "2023-02-01"])
        XCTAssertEqual(base.windows.last?.end, base.outOfSampleStart)
        let oosStart = try XCTUnwrap(CivilDate.parseISO(base.outOfSampleStart))
        let store = Self.store()
        for rows in forecasts.windows {
            for s in 0..<rows.count {
                for h in 0..<rows.horizon where rows.targets[s * rows.horizon + h].isFinite {
                    let bar = rows.origins[s] + 1 + h
                    XCTAssertLessThan(store.assets[rows.assets[s]].dates[bar], oosStart, "a window scores a target inside the OOS period")
                }
            }
        }
        // Phase 3 rows: pretrained and fine-tuned on exactly the same targets.
        XCTAssertEqual(forecasts.outOfSamplePretrained.targets.map(\.isFinite), forecasts.outOfSampleFineTuned.targets.map(\.isFinite))
        XCTAssertGreaterThan(base.outOfSampleFineTuned.targets, 500)
    }

    func testSameSeedSameRunAndTheWeightsMove() throws {
        let (a, _, weightsA) = try Self.run(Self.store())
        let (b, _, weightsB) = try Self.run(Self.store())
        XCTAssertEqual(weightsA, weightsB)
        XCTAssertEqual(a.outOfSampleFineTuned.scores["model"]?.nll, b.outOfSampleFineTuned.scores["model"]?.nll)
        let (initial, _) = Self.model()
        XCTAssertNotEqual(PretrainingFixture.weights(initial), weightsA, "fine-tuning changed no weight")
    }
}
