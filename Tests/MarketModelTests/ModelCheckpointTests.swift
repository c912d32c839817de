// ModelCheckpoint: round trip with metadata, and a clear error for altered, truncated or foreign files.
import Foundation
import XCTest
import MarketTensor
@testable import MarketModel

final class ModelCheckpointTests: XCTestCase {
    private func sample() -> ([String: Tensor], [String: String]) {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([0.5, -0.25], shape: [2])
        let table = EmbeddingIDTable(assets: [.init(ticker: "AAPL", category: 0), .init(ticker: "BTC-USD", category: 1)],
                                     categories: ["us_stocks", "crypto"])
        return (["w.a": a, "w.b": b], [ModelCheckpoint.Key.step: "7", ModelCheckpoint.Key.idTable: table.jsonString()])
    }

    private func temporaryFile() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)/model.safetensors")
        addTeardownBlock { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return url
    }

    func testRoundTripKeepsWeightsMetadataAndHash() throws {
        let (tensors, metadata) = sample()
        let url = temporaryFile()
        let hash = try ModelCheckpoint.write(tensors, metadata: metadata, to: url)
        let read = try ModelCheckpoint.read(url)
        XCTAssertEqual(read.contentHash, hash)
        XCTAssertEqual(hash.count, 16)
        XCTAssertEqual(read.step, 7)
        XCTAssertEqual(read.tensors["w.a"]?.shape, [2, 3])
        XCTAssertEqual(read.tensors["w.b"]?.values, [0.5, -0.25])
        XCTAssertEqual(read.metadata[ModelCheckpoint.Key.format], ModelCheckpoint.formatVersion)
        XCTAssertEqual(try read.idTable().assetID(of: "BTC-USD"), 1)
        XCTAssertEqual(ModelCheckpoint.contentHash(tensors: read.tensors, metadata: read.metadata), hash)
    }

    func testAlteredWeightOrMetadataIsAHashMismatch() throws {
        let (tensors, metadata) = sample()
        let url = temporaryFile()
        try ModelCheckpoint.write(tensors, metadata: metadata, to: url)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0x01   // last byte of the last weight
        try bytes.write(to: url)
        XCTAssertThrowsError(try ModelCheckpoint.read(url)) { XCTAssertTrue("\($0)".contains("content hash mismatch"), "\($0)") }

        var changed = metadata
        changed[ModelCheckpoint.Key.step] = "8"
        let hash = try ModelCheckpoint.write(tensors, metadata: metadata, to: url)
        let file = try SafeTensors.read(url)
        var forged = file.metadata
        forged[ModelCheckpoint.Key.step] = "8"
        try SafeTensors.write(tensors, metadata: forged, to: url)
        XCTAssertThrowsError(try ModelCheckpoint.read(url)) { XCTAssertTrue("\($0)".contains(hash), "\($0)") }
    }

    func testTruncatedMissingOrForeignFilesAreClearErrors() throws {
        let (tensors, metadata) = sample()
        let url = temporaryFile()
        XCTAssertThrowsError(try ModelCheckpoint.read(url)) { XCTAssertTrue("\($0)".contains("checkpoint not found"), "\($0)") }
        try ModelCheckpoint.write(tensors, metadata: metadata, to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 5).write(to: url)
        XCTAssertThrowsError(try ModelCheckpoint.read(url)) { XCTAssertTrue("\($0)".contains(url.path), "\($0)") }
        try SafeTensors.write(tensors, metadata: metadata, to: url)   // no content hash
        XCTAssertThrowsError(try ModelCheckpoint.read(url)) { XCTAssertTrue("\($0)".contains("no 'content_hash'"), "\($0)") }
    }
}
