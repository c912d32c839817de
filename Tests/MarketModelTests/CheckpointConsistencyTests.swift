// Hash-valid checkpoints whose contents disagree: id table vs embedding rows, non-finite weights or moments.
import Foundation
import XCTest
import MarketTensor
@testable import MarketModel

final class CheckpointConsistencyTests: XCTestCase {
    private func tiny() -> MarketGPT { MarketGPT(config: MarketGPTTests.tinyConfig(), seed: 1) }   // 5 assets, 2 categories

    private func table(assets: Int, categories: Int) -> EmbeddingIDTable {
        EmbeddingIDTable(assets: (0..<assets).map { .init(ticker: "T\($0)", category: $0 % categories) },
                         categories: (0..<categories).map { "c\($0)" })
    }

    private func file() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("consistency-\(UUID().uuidString)/m.safetensors")
        addTeardownBlock { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return url
    }

    func testIDTableMustMatchTheEmbeddingRows() throws {
        let model = tiny(), url = file()
        try model.writeCheckpoint(to: url, metadata: [ModelCheckpoint.Key.idTable: table(assets: 5, categories: 2).jsonString()])
        XCTAssertNoThrow(try MarketGPT(checkpoint: ModelCheckpoint.read(url), file: url.path))
        try model.writeCheckpoint(to: url, metadata: [ModelCheckpoint.Key.idTable: table(assets: 7, categories: 2).jsonString()])
        XCTAssertThrowsError(try MarketGPT(checkpoint: ModelCheckpoint.read(url), file: url.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path) && "\(error)".contains("id_table lists 7 assets"), "\(error)")
        }
        let badCategory = EmbeddingIDTable(assets: [.init(ticker: "A", category: 0), .init(ticker: "B", category: 7), .init(ticker: "C", category: 1), .init(ticker: "D", category: 1), .init(ticker: "E", category: 0)],
                                           categories: ["c0", "c1"])
        try model.writeCheckpoint(to: url, metadata: [ModelCheckpoint.Key.idTable: badCategory.jsonString()])
        XCTAssertThrowsError(try MarketGPT(checkpoint: ModelCheckpoint.read(url), file: url.path)) { error in
            XCTAssertTrue("\(error)".contains("'B' has category id 7"), "\(error)")
        }
    }

    func testNonFiniteWeightsAreRefusedNamingFileAndTensor() throws {
        let model = tiny(), url = file()
        let (name, tensor) = model.namedParameters[model.namedParameters.count / 2]
        tensor.data[1] = .nan
        try model.writeCheckpoint(to: url, metadata: [:])   // hash-valid: the hash covers the NaN
        XCTAssertThrowsError(try MarketGPT(checkpoint: ModelCheckpoint.read(url), file: url.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path) && "\(error)".contains("'\(name)' holds a non-finite value"), "\(error)")
        }
    }
}
