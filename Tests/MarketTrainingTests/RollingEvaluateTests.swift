// `evaluate` applies a checkpoint's stored rolling recalibration as of each scored date (its category only); the stored
// choice survives the metadata round trip and a bad one is refused naming the key.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class RollingEvaluateTests: XCTestCase {
    func testEvaluateAppliesTheStoredRollingCalibrationToItsCategoryOnly() throws {
        let root = try PretrainingFixture.temporaryDirectory("rolling-evaluate")
        defer { try? FileManager.default.removeItem(at: root) }
        let (store, table, config, files) = try RecalibrationTests.pretrained(root)
        let loaded = try TrainedModel.load(files.weightsURL)
        var calibration = ExperimentRunner.validationCalibration(loaded, store: store, idTable: table, names: table.categories,
                                                                 method: .varianceScale, minimumTargets: 40)
        func save(_ calibration: PredictiveCalibration) throws {
            let restored = try files.restoreTrainer(config: config.training)
            var metadata = restored.weights.metadata
            metadata.removeValue(forKey: ModelCheckpoint.Key.contentHash)
            metadata[PredictiveCalibration.metadataKey] = try calibration.jsonString()
            try files.write(restored.trainer, metadata: metadata)
        }
        try save(calibration)
        let fixed = try CheckpointEvaluator.evaluate(checkpointURL: files.weightsURL, store: store, idTable: table, categories: nil)
        // With a map: this barely trained model's scale factor sits at its bound (0.25) in both fits, the PIT map does not.
        let rolling = RollingCalibration(windowDays: 120, quantileMap: true, minimumTargets: 20)
        calibration.rolling = ["cat0": rolling]
        try save(calibration)
        XCTAssertEqual(try PredictiveCalibration.read(try ModelCheckpoint.read(files.weightsURL).metadata, file: "x")?.rolling, ["cat0": rolling])
        let rolled = try CheckpointEvaluator.evaluate(checkpointURL: files.weightsURL, store: store, idTable: table, categories: nil)
        let before = Dictionary(uniqueKeysWithValues: fixed.categories.map { ($0.category, $0) })
        let after = Dictionary(uniqueKeysWithValues: rolled.categories.map { ($0.category, $0) })
        XCTAssertEqual(after["cat0"]?.rolling, "rolling_map_120d")
        XCTAssertNil(after["cat1"]?.rolling)
        XCTAssertNil(before["cat0"]?.rolling)
        func card(_ c: CheckpointEvaluationReport.Category?) -> [Double] {
            guard let s = c?.evaluation.scores["model"] else { return [] }
            return [s.nll, s.crps, s.coverage50, s.coverage90]
        }
        XCTAssertEqual(after["cat0"]?.evaluation.targets, before["cat0"]?.evaluation.targets, "the same targets")
        XCTAssertEqual(after["cat0"]?.uncalibrated?.scores["model"]?.nll, before["cat0"]?.uncalibrated?.scores["model"]?.nll, "the same raw forecasts")
        XCTAssertNotEqual(card(after["cat0"]), card(before["cat0"]), "the rolling recalibration changed cat0's laws")
        XCTAssertLessThan(card(after["cat0"])[3], card(before["cat0"])[3], "a map refitted on realised targets narrows the over-wide 90 % intervals")
        XCTAssertEqual(card(after["cat1"]), card(before["cat1"]), "cat1 keeps its static calibration")
        XCTAssertFalse(card(after["cat0"]).isEmpty)
    }

    func testTheStoredChoiceRoundTripsAndABadOneIsRefused() throws {
        var calibration = PredictiveCalibration(fittedOn: "v", factors: ["a": [1.2]], targets: ["a": 300])
        let plain = try calibration.jsonString()
        XCTAssertFalse(plain.contains("rolling"), "a calibration without a rolling choice keeps its bytes")
        calibration.rolling = ["a": RollingCalibration(windowDays: 182, quantileMap: true)]
        let text = try calibration.jsonString()
        XCTAssertTrue(text.contains(#""rolling":{"a":{"minimum_targets":100,"quantile_map":true,"window_days":182}}"#), text)
        XCTAssertEqual(try PredictiveCalibration.read(["calibration": text], file: "m.safetensors"), calibration)
        let bad = text.replacingOccurrences(of: #""window_days":182"#, with: #""window_days":0"#)
        XCTAssertThrowsError(try PredictiveCalibration.read(["calibration": bad], file: "m.safetensors")) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("m.safetensors") && message.contains("rolling.a.window_days: must be in 1...36525, found 0"), message)
        }
    }
}
