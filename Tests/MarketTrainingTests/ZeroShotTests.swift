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
        let unseen = model.forward(ModelBatch(batchSize: 1, features: features, assetIds: [-1], categoryIds: [0]), mode: .eval, rng: &rng)
        var row = model.assetEmbedding.scalars
        for k in 0..<model.config.width { row[2 * model.config.width + k] = 0 }
        model.assetEmbedding.assign(row)
        let zeroed = model.forward(ModelBatch(batchSize: 1, features: features, assetIds: [2], categoryIds: [0]), mode: .eval, rng: &rng)
        XCTAssertEqual(unseen.mean.scalars, zeroed.mean.scalars)
        // A category the checkpoint does not know is an error naming it.
        let alien = EmbeddingIDTable(assets: fullTable.assets, categories: ["cat0", "mars"])
        XCTAssertThrowsError(try CheckpointEvaluator.evaluate(checkpointURL: summary.checkpoint.weightsURL, store: full, idTable: alien, categories: nil)) { error in
            XCTAssertTrue(String(describing: error).contains("'mars'"), "\(error)")
        }
    }
}
