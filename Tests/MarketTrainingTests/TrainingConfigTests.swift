// Strict decoding of training configs: the shipped files, defaults, and errors naming line and key path.

import Foundation
import XCTest
import Yams
@testable import MarketTraining
import MarketSupport

final class TrainingConfigTests: XCTestCase {
    /// The package root: walk up from this file to the folder holding Package.swift.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    func testShippedConfigsLoad() throws {
        let tiny = try TrainingRunConfig.load(Self.packageRoot.appendingPathComponent("configs/tiny.yaml"))
        XCTAssertEqual([tiny.model.layers, tiny.model.width, tiny.model.contextLength], [2, 32, 32])
        XCTAssertEqual(tiny.training.learningRate, 1e-3)
        let reference = try TrainingRunConfig.load(Self.packageRoot.appendingPathComponent("configs/pretrain.yaml"))
        let m = reference.model
        XCTAssertEqual([m.contextLength, m.features.count, m.width, m.layers, m.heads, m.mlpRatio, m.horizon], [64, 7, 128, 4, 4, 4, 5])
        XCTAssertEqual(m.dropout, 0.1)
        XCTAssertEqual(reference.training.batchSize, 32)
        XCTAssertEqual(reference.training.split, SplitFractions(train: 0.9, validation: 0.05, test: 0.05))
        XCTAssertEqual(m, ModelSection())  // the reference model is the default
        let experiment = try ExperimentConfig.load(Self.packageRoot.appendingPathComponent("configs/experiment.yaml"))
        XCTAssertEqual(experiment.strategy, ExperimentStrategySection())  // the shipped trading part is the default
        // Issue 13's a-priori rules: a rolling recalibration in every category, fine-tuning kept only on significant evidence.
        XCTAssertEqual(experiment.rollingCalibration, .always)
        XCTAssertEqual(experiment.walkForward.fallBackSignificance, 0.05)
        for (yaml, mode) in [("rolling_calibration: true\n", RollingCalibrationMode.chosen), ("rolling_calibration: false\n", .off), ("{}", .off)] {
            let decoded = try StrictYAML.decode(ExperimentConfig.self, from: yaml, file: "e.yaml")
            XCTAssertEqual(decoded.rollingCalibration, mode, yaml)
            XCTAssertEqual(try StrictYAML.decode(ExperimentConfig.self, from: try YAMLEncoder().encode(decoded), file: "rt").rollingCalibration, mode)
        }
        XCTAssertThrowsError(try StrictYAML.decode(ExperimentConfig.self, from: "rolling_calibration: sometimes\n", file: "e.yaml")) { error in
            XCTAssertTrue(String(describing: error).contains("rolling_calibration"), "\(error)")
        }
        XCTAssertThrowsError(try StrictYAML.decode(ExperimentConfig.self, from: "walk_forward: {fall_back_significance: 1.5}\n", file: "e.yaml")) { error in
            XCTAssertTrue(String(describing: error).contains("fall_back_significance"), "\(error)")
        }
        XCTAssertThrowsError(try StrictYAML.decode(ExperimentConfig.self, from: "strategy: {samples: 0}\n", file: "e.yaml")) { error in
            XCTAssertTrue(String(describing: error).contains("strategy.samples"), "\(error)")
        }
        // `marketgpt finetune`'s section takes the same rule: α in (0, 1), and only with the gate it tightens.
        XCTAssertEqual(try StrictYAML.decode(TrainingRunConfig.self, from: "finetune: {fall_back: true, fall_back_significance: 0.05}\n", file: "f.yaml")
                        .finetune.fallBackSignificance, 0.05)
        XCTAssertNil(try StrictYAML.decode(TrainingRunConfig.self, from: "finetune: {fall_back: true}\n", file: "f.yaml").finetune.fallBackSignificance)
        for (yaml, reason) in [("finetune: {fall_back: true, fall_back_significance: 0}\n", "must be in (0, 1)"),
                               ("finetune: {fall_back: true, fall_back_significance: 1}\n", "must be in (0, 1)"),
                               ("finetune: {fall_back_significance: 0.05}\n", "needs fall_back: true")] {
            XCTAssertThrowsError(try StrictYAML.decode(TrainingRunConfig.self, from: yaml, file: "f.yaml"), yaml) { error in
                XCTAssertTrue(String(describing: error).contains("finetune.fall_back_significance") && String(describing: error).contains(reason), "\(error)")
            }
        }
    }

    func testMissingKeysTakeDefaultsAndValuesRoundTrip() throws {
        let config = try StrictYAML.decode(TrainingRunConfig.self, from: "training:\n  learning_rate: 3e-4\n  seed: 7\n", file: "c.yaml")
        var expected = TrainingRunConfig()
        expected.training.seed = 7
        XCTAssertEqual(config, expected)
        XCTAssertEqual(try StrictYAML.decode(TrainingRunConfig.self, from: "{}", file: "c.yaml"), TrainingRunConfig())
        var custom = TrainingRunConfig()
        custom.model.head = .studentT
        custom.training.split = SplitFractions(train: 0.8, validation: 0.1, test: 0.1)
        let text = try YAMLEncoder().encode(custom)
        XCTAssertEqual(try StrictYAML.decode(TrainingRunConfig.self, from: text, file: "round-trip"), custom)
    }

    private func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try StrictYAML.decode(TrainingRunConfig.self, from: yaml, file: "configs/x.yaml")
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            XCTFail("unexpected error type: \(error)")
            return nil
        }
    }

    func testUnknownKeysNameTheirPathAndLine() throws {
        let typo = try XCTUnwrap(error("model:\n  width: 32\n  heads: 2\ntraining:\n  batch_size: 8\n  batch_sise: 16\n"))
        XCTAssertEqual(typo.keyPath, "training.batch_sise")
        XCTAssertEqual(typo.line, 6)
        XCTAssertTrue(typo.reason.contains("unknown key (allowed: adam_beta1"), typo.reason)
        XCTAssertTrue(typo.description.hasPrefix("configs/x.yaml line 6: training.batch_sise: unknown key"), typo.description)

        let nested = try XCTUnwrap(error("training:\n  split:\n    train: 0.9\n    valid: 0.1\n"))
        XCTAssertEqual(nested.keyPath, "training.split.valid")
        XCTAssertEqual(nested.line, 4)
        let top = try XCTUnwrap(error("model: {}\noptimizer: {lr: 1}\n"))
        XCTAssertEqual(top.keyPath, "optimizer")
        XCTAssertEqual(top.line, 2)
        XCTAssertNil(error("training:\n  run: ~\n"))  // explicit null for a key with a default is fine
    }

    func testWrongTypesAndRangesNameTheirPathAndLine() throws {
        let type = try XCTUnwrap(error("training:\n  seed: 1\n  batch_size: lots\n"))
        XCTAssertEqual(type.keyPath, "training.batch_size")
        XCTAssertEqual(type.line, 3)
        XCTAssertTrue(type.reason.hasPrefix("expected an integer"), type.reason)

        let head = try XCTUnwrap(error("model:\n  head: cauchy\n"))
        XCTAssertEqual(head.keyPath, "model.head")

        let heads = try XCTUnwrap(error("model:\n  width: 30\n  heads: 4\n"))
        XCTAssertEqual(heads.keyPath, "model.heads")
        XCTAssertEqual(heads.line, 3)
        XCTAssertTrue(heads.reason.contains("not a multiple"), heads.reason)

        let split = try XCTUnwrap(error("training:\n  split: {train: 0.9, validation: 0.2, test: 0.05}\n"))
        XCTAssertEqual(split.keyPath, "training.split")
        XCTAssertEqual(split.line, 2)
        XCTAssertTrue(split.reason.contains("expected 1"), split.reason)

        let warmup = try XCTUnwrap(error("training:\n  total_steps: 10\n  warmup_steps: 20\n"))
        XCTAssertEqual(warmup.keyPath, "training.warmup_steps")
        XCTAssertEqual(warmup.line, 3)

        let syntax = try XCTUnwrap(error("training:\n  batch_size: [1, 2\n  seed: 3\n"))
        XCTAssertEqual(syntax.keyPath, "")
        XCTAssertNotNil(syntax.line)
        XCTAssertTrue(syntax.reason.hasPrefix("invalid YAML"), syntax.reason)
    }
}
