// The model contract: one load gives weights, config, normaliser, id tables and typed metadata; a file
// without the normaliser or with a damaged byte is an error naming the file.
import XCTest
import MarketData
import MarketModel
import MarketTensor

final class TrainedModelTests: XCTestCase {
    func testLoadDecodesEveryPartAndTypedMetadataRoundTrips() throws {
        var config = ModelConfig()
        config.contextLength = 8; config.featureCount = MarketFeatures.count; config.width = 16; config.layers = 1
        config.heads = 2; config.horizon = 2; config.assetCount = 2; config.categoryCount = 1
        let model = MarketGPT(config: config, seed: 3)
        let table = EmbeddingIDTable(assets: [.init(ticker: "A", category: 0), .init(ticker: "B", category: 0)], categories: ["c"])
        let normalizer = FeatureNormalizer(mean: [0: [Float](repeating: 0, count: MarketFeatures.count)],
                                           std: [0: [Float](repeating: 1, count: MarketFeatures.count)])
        let typed = CheckpointMetadata(run: "r", step: 7, validationStart: 19_000, testStart: 19_100,
                                       fineTunedCategory: "c", outOfSampleStart: 19_200, fineTunedFrom: "pretrained.safetensors")
        XCTAssertEqual(CheckpointMetadata(typed.entries), typed)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trained-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var metadata = typed.entries
        metadata[ModelCheckpoint.Key.idTable] = table.jsonString()
        metadata[ModelCheckpoint.Key.normalizer] = try normalizer.jsonString()
        try model.writeCheckpoint(to: url, metadata: metadata)
        let trained = try TrainedModel.load(url)
        XCTAssertEqual(trained.config, config)
        XCTAssertEqual(trained.idTable, table)
        XCTAssertEqual(trained.normalizer.mean[0], normalizer.mean[0])
        XCTAssertEqual(trained.metadata, typed)
        XCTAssertEqual(trained.step, 7)
        XCTAssertNotNil(trained.contentHash)
        for (a, b) in zip(model.parameters, trained.model.parameters) { XCTAssertEqual(a.scalars, b.scalars, a.name!) }

        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: url)
        XCTAssertThrowsError(try TrainedModel.load(url)) { XCTAssertTrue("\($0)".contains(url.path), "\($0)") }
        metadata.removeValue(forKey: ModelCheckpoint.Key.normalizer)
        try model.writeCheckpoint(to: url, metadata: metadata)
        XCTAssertThrowsError(try TrainedModel.load(url)) { XCTAssertTrue("\($0)".contains("normalizer"), "\($0)") }
    }
}
