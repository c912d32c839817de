// Zero-shot assets: a universe differing from the checkpoint's is matched by ticker/category name; unseen assets are
// forecast without an asset embedding; an unknown category is an error naming it.
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketSupport

final class ZeroShotTests: XCTestCase {
    func testUnseenAssetsAreForecastZeroShotAndUnknownCategoriesAreErrors() throws {
        let root = try PretrainingFixture.temporaryDirectory("zero-shot")
        defer { try? FileManager.default.removeItem(at: root) }
        // Pre-train on assets 0…3 of a 6-asset, 2-category universe.
        let full = PretrainingFixture.store(assets: 6, categories: 2, bars: 700, seed: 8)
        let fullTable = PretrainingFixture.idTable(assets: 6, categories: 2)
        let seen = FeatureStore(assets: Array(full.assets.prefix(4)), categoryWeights: full.categoryWeights)
        let seenTable = EmbeddingIDTable(assets: Array(fullTable.assets.prefix(4)), categories: fullTable.categories)
        var config = PretrainingFixture.config(totalSteps: 10)
        config.training.split = SplitFractions(train: 0.7, validation: 0.1, test: 0.2)
        let summary = try Pretrainer.run(store: seen, idTable: seenTable, options: PretrainingOptions(
            config: config, checkpointDirectory: root.appendingPathComponent("checkpoints"), runDirectory: nil, output: { _ in }))
        // Evaluate the full universe (A4, A5 unseen), with the categories listed in another order.
        let reordered = EmbeddingIDTable(assets: fullTable.assets.map { .init(ticker: $0.ticker, category: 1 - $0.category) },
                                         categories: ["cat1", "cat0"])
        var store = full
        for i in store.assets.indices { store.assets[i].categoryID = 1 - store.assets[i].categoryID }
        let report = try CheckpointEvaluator.evaluate(checkpointURL: summary.checkpoint.weightsURL, store: store, idTable: reordered, categories: nil)
        let byName = Dictionary(uniqueKeysWithValues: report.categories.map { ($0.category, $0) })
        XCTAssertEqual(byName["cat0"]?.zeroShot, ["A4"])
        XCTAssertEqual(byName["cat1"]?.zeroShot, ["A5"])
        let zero = try XCTUnwrap(byName["cat0"]?.zeroShotEvaluation)
        XCTAssertGreaterThan(zero.targets, 50)
        XCTAssertTrue(zero.scores["model"]!.nll.isFinite)
        // The zero-shot path is the model without an asset embedding: asset id −1 equals zeroing that row.
        let model = try MarketGPT(checkpoint: try ModelCheckpoint.read(summary.checkpoint.weightsURL))
        let t = model.config.contextLength
        let features = (0..<(t * MarketFeatures.count)).map { Float(($0 % 7) - 3) * 0.1 }
        var rng = RandomGenerator(seed: 1)
        let unseen = model.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [-1], categoryIDs: [0]), mode: .eval, rng: &rng)
        var row = model.assetEmbedding.scalars
        for k in 0..<model.config.width { row[2 * model.config.width + k] = 0 }
        model.assetEmbedding.assign(row)
        let zeroed = model.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [2], categoryIDs: [0]), mode: .eval, rng: &rng)
        XCTAssertEqual(unseen.mean.scalars, zeroed.mean.scalars)
        // A category the checkpoint does not know is an error naming it.
        let alien = EmbeddingIDTable(assets: fullTable.assets, categories: ["cat0", "mars"])
        XCTAssertThrowsError(try CheckpointEvaluator.evaluate(checkpointURL: summary.checkpoint.weightsURL, store: full, idTable: alien, categories: nil)) { error in
            XCTAssertTrue(String(describing: error).contains("'mars'"), "\(error)")
        }
    }

    /// Fine-tuning a universe with assets the checkpoint has not seen: their rows are appended (zero-initialised, so the
    /// grown model's first forecast equals the zero-shot one), trained in their category, written with the grown id table
    /// and a normaliser fitted up to train_end; a category the checkpoint does not know is an error naming it.
    func testFineTuningGrowsTheAssetEmbeddingForNewAssets() throws {
        let root = try PretrainingFixture.temporaryDirectory("zero-shot-finetune")
        defer { try? FileManager.default.removeItem(at: root) }
        let full = PretrainingFixture.store(assets: 6, categories: 2, bars: 900, seed: 8)
        let fullTable = PretrainingFixture.idTable(assets: 6, categories: 2)
        let seen = FeatureStore(assets: Array(full.assets.prefix(4)), categoryWeights: full.categoryWeights)
        let seenTable = EmbeddingIDTable(assets: Array(fullTable.assets.prefix(4)), categories: fullTable.categories)
        var config = PretrainingFixture.config(totalSteps: 10)
        config.training.split = SplitFractions(train: 0.5, validation: 0.25, test: 0.25)
        let checkpoints = root.appendingPathComponent("checkpoints")
        let summary = try Pretrainer.run(store: seen, idTable: seenTable, options: PretrainingOptions(
            config: config, checkpointDirectory: checkpoints, runDirectory: nil, output: { _ in }))
        let pretrained = try TrainedModel.load(summary.checkpoint.weightsURL)
        // Growth alone changes no forecast: the new rows are zero, i.e. the zero-shot path.
        let grown = pretrained.model.growingAssetRows(to: 6)
        XCTAssertEqual(grown.config.assetCount, 6)
        let t = grown.config.contextLength
        let features = (0..<(t * MarketFeatures.count)).map { Float(($0 % 5) - 2) * 0.1 }
        var rng = RandomGenerator(seed: 1)
        let zeroShot = pretrained.model.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [-1], categoryIDs: [0]), mode: .eval, rng: &rng)
        let newRow = grown.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [4], categoryIDs: [0]), mode: .eval, rng: &rng)
        let oldRow = grown.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [1], categoryIDs: [1]), mode: .eval, rng: &rng)
        let oldBefore = pretrained.model.forward(Batch(batchSize: 1, featureCount: MarketFeatures.count, inputs: features, assetIDs: [1], categoryIDs: [1]), mode: .eval, rng: &rng)
        XCTAssertEqual(newRow.mean.scalars, zeroShot.mean.scalars)
        XCTAssertEqual(oldRow.mean.scalars, oldBefore.mean.scalars)

        var options = WalkForwardFineTunerTests.options()
        options.minimumHistoryYears = 0
        var runner = FineTuneRunner(checkpointURL: summary.checkpoint.weightsURL, checkpointDirectory: checkpoints,
                                    runDirectory: root.appendingPathComponent("runs"), run: "z", options: options, training: config.training)
        runner.periodsFromCheckpointSplit = true
        var lines: [String] = []
        let report = try runner.run(store: full, idTable: fullTable, categories: ["cat0"], progress: { lines.append($0) })
        XCTAssertEqual(report.newAssets, ["A4", "A5"])
        XCTAssertTrue(lines.contains { $0.contains("zero-initialised embedding rows 4…5") }, lines.joined(separator: "\n"))
        let tuned = try TrainedModel.load(checkpoints.appendingPathComponent("model_finetuned_cat0.safetensors"))
        XCTAssertEqual(tuned.idTable.assets.map(\.ticker), ["A0", "A1", "A2", "A3", "A4", "A5"])
        XCTAssertEqual(tuned.config.assetCount, 6)
        XCTAssertNotNil(tuned.normalizer.mean[4])
        let c = tuned.config.width
        let rows = tuned.model.assetEmbedding.scalars
        XCTAssertTrue(rows[(4 * c)..<(5 * c)].contains { $0 != 0 }, "A4 (cat0) was trained")
        XCTAssertTrue(rows[(5 * c)..<(6 * c)].allSatisfy { $0 == 0 }, "A5 (cat1) was not: it stays zero-shot")
        // Its normaliser saw only bars up to cat0's train_end: a change after it leaves the stored statistics unchanged.
        let end = try XCTUnwrap(CheckpointCuts(metadata: pretrained.checkpoint.metadata, categories: seenTable.categories).trainEnd["cat0"])
        var poisoned = full
        let cut = poisoned.assets[4].firstIndex(onOrAfter: end + 1)
        for k in (cut * MarketFeatures.count)..<poisoned.assets[4].features.count { poisoned.assets[4].features[k] *= 3 }
        var refit = pretrained.normalizer
        var relabelled = poisoned.assets[4]
        relabelled.assetID = 4
        refit.fit(relabelled, range: 0..<cut)
        XCTAssertEqual(refit.mean[4], tuned.normalizer.mean[4])
        XCTAssertEqual(refit.std[4], tuned.normalizer.std[4])
        // An unknown category is an error naming it.
        let alien = EmbeddingIDTable(assets: fullTable.assets, categories: ["cat0", "mars"])
        XCTAssertThrowsError(try runner.run(store: full, idTable: alien, categories: ["cat0"])) { XCTAssertTrue("\($0)".contains("'mars'"), "\($0)") }
    }
}
