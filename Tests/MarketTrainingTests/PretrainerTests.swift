// Pre-training: date split without look-ahead, exact resume (also after a kill between checkpoints), non-finite steps, early stopping.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class PretrainerTests: XCTestCase {
    private func options(_ config: TrainingRunConfig, stop: Int? = nil, root: URL, resume: Bool = false) -> PretrainingOptions {
        PretrainingOptions(config: config, stopStep: stop, checkpointDirectory: root.appendingPathComponent("checkpoints"),
                           runDirectory: root.appendingPathComponent("runs"), resume: resume, isTerminal: false, output: { _ in })
    }

    func testDateSplitIsPooledQuantilesAndTheNormaliserSeesOnlyTrainBars() throws {
        var store = PretrainingFixture.store()
        let split = try DateSplit.pooled(store, fractions: SplitFractions())
        let ranges = split.ranges(store)
        let total = store.assets.reduce(0) { $0 + $1.count }
        let train = ranges.reduce(0) { $0 + $1.train.count }, test = ranges.reduce(0) { $0 + $1.test.count }
        XCTAssertEqual(Double(train) / Double(total), 0.90, accuracy: 0.01)
        XCTAssertEqual(Double(test) / Double(total), 0.05, accuracy: 0.01)
        for (asset, range) in zip(store.assets, ranges) {
            XCTAssertTrue(asset.dates[range.train].allSatisfy { $0 < split.validationStart })
            XCTAssertTrue(asset.dates[range.test].allSatisfy { $0 >= split.testStart })
            XCTAssertEqual(range.train.upperBound, range.validation.lowerBound)
        }
        // Canary: huge feature values after the train range do not move the fitted normaliser.
        let before = FeatureNormalizer.fitted(store, ranges: ranges.map(\.train))
        for i in store.assets.indices {
            let f = MarketFeatures.count
            for bar in ranges[i].train.upperBound..<store.assets[i].count { for k in 0..<f { store.assets[i].features[bar * f + k] = 1e6 } }
        }
        XCTAssertEqual(FeatureNormalizer.fitted(store, ranges: ranges.map(\.train)), before)
    }

    func testResumedRunEndsWithExactlyTheWeightsOfAnUninterruptedOne() throws {
        let root = try PretrainingFixture.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = PretrainingFixture.store(), table = PretrainingFixture.idTable()
        let config = PretrainingFixture.config(totalSteps: 40)

        let straight = root.appendingPathComponent("straight")
        let full = try Pretrainer.run(store: store, idTable: table, options: options(config, stop: 25, root: straight))
        XCTAssertEqual(full.step, 25)
        let reference = try ModelCheckpoint.read(TrainingCheckpoint(directory: straight.appendingPathComponent("checkpoints")).weightsURL)

        // Interrupted: --steps 12 writes checkpoints at 10 and 12, then resume to 25.
        let interrupted = root.appendingPathComponent("interrupted")
        _ = try Pretrainer.run(store: store, idTable: table, options: options(config, stop: 12, root: interrupted))
        let resumed = try Pretrainer.run(store: store, idTable: table, options: options(config, stop: 25, root: interrupted, resume: true))
        XCTAssertEqual(resumed.resumedFromStep, 12)
        let result = try ModelCheckpoint.read(TrainingCheckpoint(directory: interrupted.appendingPathComponent("checkpoints")).weightsURL)
        XCTAssertEqual(result.step, 25)
        XCTAssertEqual(Set(result.tensors.keys), Set(reference.tensors.keys))
        for (name, entry) in reference.tensors {
            XCTAssertEqual(result.tensors[name]!.values.map(\.bitPattern), entry.values.map(\.bitPattern), "weights \(name) differ")
        }
        XCTAssertEqual(result.contentHash, reference.contentHash)
        // The metrics log continues: one record per logged step, no duplicates.
        let records = try MetricsLogWriter.read(interrupted.appendingPathComponent("runs/metrics.jsonl"))
        XCTAssertEqual(records.map(\.step), [5, 10, 12, 15, 20, 25])
    }

    func testKillBetweenCheckpointsThenResumeMatchesTheUninterruptedRun() throws {
        // In-process "kill": train past the checkpoint at 10 to step 17 and throw the trainer away
        // (its state after 10 was never written), then resume from the files.
        let root = try PretrainingFixture.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = PretrainingFixture.store(), table = PretrainingFixture.idTable()
        let config = PretrainingFixture.config(totalSteps: 30)
        let model = try config.model.modelConfig(assetCount: 6, categoryCount: 3)
        let split = try DateSplit.pooled(store, fractions: config.training.split)
        let ranges = split.ranges(store)
        let normalizer = FeatureNormalizer.fitted(store, ranges: ranges.map(\.train))
        let dataset = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.train), contextLength: 16, horizon: 3)
        let validation = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.validation), contextLength: 16, horizon: 3)
        let data = try TrainingData(train: dataset, validation: validation, seed: 9, validationWindowCount: 8)
        let metadata = try TrainingCheckpoint.modelMetadata(model: MarketGPT(config: model, seed: 9), idTable: table, normalizer: normalizer, step: 0)

        let uninterrupted = Trainer(model: MarketGPT(config: model, seed: 9), config: config.training)
        try uninterrupted.train(data, until: 20)

        let files = TrainingCheckpoint(directory: root)
        let first = Trainer(model: MarketGPT(config: model, seed: 9), config: config.training)
        try first.train(data, until: 17, checkpoint: { try files.write(first, metadata: metadata) })
        XCTAssertEqual(try files.read().state.step, 10)
        let (second, _) = try files.restoreTrainer(config: config.training)
        XCTAssertEqual(second.state.step, 10)
        try second.train(data, until: 20)
        XCTAssertEqual(second.state, uninterrupted.state)
        XCTAssertEqual(PretrainingFixture.weights(second.model), PretrainingFixture.weights(uninterrupted.model))
        XCTAssertEqual(second.optimizer.stepCount, uninterrupted.optimizer.stepCount)
        XCTAssertNotEqual(PretrainingFixture.weights(second.model), PretrainingFixture.weights(first.model), "step 17 ≠ step 20")
    }

    func testNonFiniteStepsAreSkippedThenTheRunStopsNamingTheStepAndKeepsTheLastCheckpoint() throws {
        let root = try PretrainingFixture.temporaryDirectory("nan")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = PretrainingFixture.store()
        var config = PretrainingFixture.config()
        config.training.maxNonFiniteSteps = 2
        let model = try config.model.modelConfig(assetCount: 6, categoryCount: 3)
        let ranges = try DateSplit.pooled(store, fractions: config.training.split).ranges(store)
        let normalizer = FeatureNormalizer.fitted(store, ranges: ranges.map(\.train))
        let good = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.train), contextLength: 16, horizon: 3)
        var poisonedStore = store
        for i in poisonedStore.assets.indices { poisonedStore.assets[i].logReturns = poisonedStore.assets[i].logReturns.map { _ in .nan } }
        let poisoned = WindowedDataset(store: poisonedStore, normalizer: normalizer, ranges: ranges.map(\.train), contextLength: 16, horizon: 3)

        let files = TrainingCheckpoint(directory: root)
        let metadata = try TrainingCheckpoint.modelMetadata(model: MarketGPT(config: model, seed: 9), idTable: PretrainingFixture.idTable(),
                                                            normalizer: normalizer, step: 0)
        let trainer = Trainer(model: MarketGPT(config: model, seed: 9), config: config.training)
        try trainer.train(TrainingData(train: good, validation: nil, seed: 9, validationWindowCount: 0), until: 10,
                          checkpoint: { try files.write(trainer, metadata: metadata) })
        let saved = try Data(contentsOf: files.weightsURL)
        let weightsAt10 = PretrainingFixture.weights(trainer.model)
        var reports: [StepReport] = []
        XCTAssertThrowsError(try trainer.train(TrainingData(train: poisoned, validation: nil, seed: 9, validationWindowCount: 0), until: 30,
                                               afterStep: { reports.append($0) },
                                               checkpoint: { try files.write(trainer, metadata: metadata) })) { error in
            XCTAssertEqual((error as? TrainingError)?.step, 13, "\(error)")
            XCTAssertTrue("\(error)".contains("step 13: non-finite loss"), "\(error)")
        }
        XCTAssertEqual(reports.map(\.applied), [false, false])
        XCTAssertEqual(PretrainingFixture.weights(trainer.model), weightsAt10, "skipped steps leave the weights alone")
        XCTAssertEqual(try Data(contentsOf: files.weightsURL), saved, "the last good checkpoint stays")
        XCTAssertEqual(try files.read().state.step, 10)
    }

    func testEarlyStoppingAfterPatienceEvaluationsWithoutImprovement() throws {
        let root = try PretrainingFixture.temporaryDirectory("early")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = PretrainingFixture.config(totalSteps: 100)
        config.training.learningRate = 1e-30   // weights cannot move: the validation loss never improves
        config.training.weightDecay = 0
        config.training.earlyStoppingPatience = 2
        let summary = try Pretrainer.run(store: PretrainingFixture.store(), idTable: PretrainingFixture.idTable(),
                                         options: options(config, root: root))
        XCTAssertEqual(summary.stopReason, .earlyStopped(bestStep: 5, bestLoss: summary.bestValidationLoss!))
        XCTAssertEqual(summary.step, 15)
        XCTAssertEqual(try ModelCheckpoint.read(summary.checkpoint.weightsURL).step, 15)
    }

    func testCheckpointCarriesTablesNormaliserAndRejectsTornOrAlteredFiles() throws {
        let root = try PretrainingFixture.temporaryDirectory("files")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = PretrainingFixture.config(totalSteps: 10)
        let summary = try Pretrainer.run(store: PretrainingFixture.store(), idTable: PretrainingFixture.idTable(),
                                         options: options(config, root: root))
        let checkpoint = try ModelCheckpoint.read(summary.checkpoint.weightsURL)
        XCTAssertEqual(try checkpoint.idTable(), PretrainingFixture.idTable())
        XCTAssertEqual(checkpoint.step, 10)
        let normalizer = try FeatureNormalizer(jsonString: checkpoint.metadata[ModelCheckpoint.Key.normalizer]!)
        XCTAssertEqual(normalizer.mean.count, 6)
        let model = try MarketGPT(checkpoint: checkpoint)
        XCTAssertEqual(model.config.contextLength, 16)
        let loaded = try TrainedModel.load(summary.checkpoint.weightsURL)
        XCTAssertEqual(loaded.normalizer, normalizer)
        XCTAssertEqual(loaded.step, 10)
        XCTAssertEqual(PretrainingFixture.weights(loaded.model), PretrainingFixture.weights(model))
        for (id, name) in PretrainingFixture.idTable().categories.enumerated() {
            XCTAssertEqual(checkpoint.metadata["split.validation_start.\(name)"], CivilDate.isoString(summary.categorySplit.cuts[id]!.validationStart))
            XCTAssertEqual(checkpoint.metadata["train_end.\(name)"], CivilDate.isoString(summary.categorySplit.trainEnd[id]!))
        }

        // A state file of another step: the pair is torn → clear error.
        let other = root.appendingPathComponent("other")
        _ = try Pretrainer.run(store: PretrainingFixture.store(), idTable: PretrainingFixture.idTable(),
                               options: options(PretrainingFixture.config(totalSteps: 10), stop: 5, root: other))
        let files = summary.checkpoint
        try FileManager.default.removeItem(at: files.stateURL)
        try FileManager.default.copyItem(at: TrainingCheckpoint(directory: other.appendingPathComponent("checkpoints")).stateURL, to: files.stateURL)
        XCTAssertThrowsError(try files.read()) { XCTAssertTrue("\($0)".contains("torn"), "\($0)") }
        XCTAssertThrowsError(try Pretrainer.run(store: PretrainingFixture.store(), idTable: PretrainingFixture.idTable(),
                                                options: options(config, stop: 12, root: root, resume: true)))
        // --resume without a checkpoint names what is missing.
        XCTAssertThrowsError(try Pretrainer.run(store: PretrainingFixture.store(), idTable: PretrainingFixture.idTable(),
                                                options: options(config, root: root.appendingPathComponent("none"), resume: true))) {
            XCTAssertTrue("\($0)".contains("no checkpoint to resume from"), "\($0)")
        }
    }
}
