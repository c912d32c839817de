// ModelCheckpoint: named weights + string metadata in safetensors, sealed by a content hash checked on load.
import Foundation
import MarketTensor

/// A checkpoint file (`checkpoints/<run>/pretrained.safetensors`, `model_finetuned_<K>.safetensors`):
/// the model's named F32 weights and a `__metadata__` string map, sealed with a content hash.
///
/// Metadata keys (all values are strings; JSON where noted):
/// - `format`: `marketgpt-checkpoint-1`.
/// - `model_config`: the `ModelConfig` as JSON (`ModelConfig.jsonString()`), read by `MarketGPT(checkpoint:)`.
/// - `id_table`: the universe's asset and category id tables as JSON (`EmbeddingIDTable`).
/// - `normalizer`: MarketData's `FeatureNormalizer` as JSON (`FeatureNormalizer(jsonString:)` reads it).
/// - `step`: optimizer steps completed when the file was written (decimal).
/// - `content_hash`: 16 hex digits, `ModelCheckpoint.contentHash` of every tensor (names, shapes, bytes)
///   and every other metadata entry. `read` recomputes it: a mismatch is an error, never a silent load.
/// Trainers may add other keys (e.g. `run`, `split`); readers ignore keys they do not know.
public struct ModelCheckpoint {
    /// Weights by dotted name (`embed.asset.weight`, `blocks.0.attn.qkv.weight`, …).
    public var tensors: [String: SafeTensorsEntry]
    /// The `__metadata__` map (without `content_hash`, which is computed when writing).
    public var metadata: [String: String]
    /// The verified `content_hash` of the file this was read from (nil when built in memory).
    public private(set) var contentHash: String?

    /// The checkpoint format written by this version.
    public static let formatVersion = "marketgpt-checkpoint-1"

    /// Metadata keys (see the type's documentation).
    public enum Key {
        public static let format = "format"
        public static let modelConfig = "model_config"
        public static let idTable = "id_table"
        public static let normalizer = "normalizer"
        public static let step = "step"
        public static let contentHash = "content_hash"
    }

    public init(tensors: [String: SafeTensorsEntry], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
        self.metadata.removeValue(forKey: Key.contentHash)
    }

    /// The optimizer step stored under `step` (nil when absent or not a number).
    public var step: Int? { metadata[Key.step].flatMap { Int($0) } }

    /// The id tables stored under `id_table`.
    public func idTable(file: String = "<checkpoint>") throws -> EmbeddingIDTable {
        guard let text = metadata[Key.idTable] else {
            throw TensorError.malformedFile(file: file, reason: "no '\(Key.idTable)' in __metadata__")
        }
        do { return try JSONDecoder().decode(EmbeddingIDTable.self, from: Data(text.utf8)) } catch {
            throw TensorError.malformedFile(file: file, reason: "bad '\(Key.idTable)' in __metadata__ (\(error))")
        }
    }

    /// Writes `tensors` (live model parameters, not copied) and `metadata` + `format` + `content_hash`
    /// atomically (temp file + rename) to `url`; returns the content hash.
    @discardableResult
    public static func write(_ tensors: [String: Tensor], metadata: [String: String], to url: URL) throws -> String {
        let (data, hash) = encoded(tensors, metadata: metadata)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
        return hash
    }

    /// The bytes `write` would store (format and `content_hash` added) and the content hash, for callers that
    /// place the file themselves (e.g. `TrainingCheckpoint`'s crash-safe generations).
    public static func encoded(_ tensors: [String: Tensor], metadata: [String: String]) -> (data: Data, hash: String) {
        var all = metadata
        all.removeValue(forKey: Key.contentHash)
        all[Key.format] = all[Key.format] ?? formatVersion
        let hash = contentHashOf(tensors, metadata: all)
        all[Key.contentHash] = hash
        return (SafeTensors.encode(tensors, metadata: all), hash)
    }

    /// Reads `url`, checks its `content_hash` (and that it has one) and returns the checkpoint.
    /// Throws `TensorError.malformedFile` naming the file for a missing, truncated, malformed or altered file.
    public static func read(_ url: URL) throws -> ModelCheckpoint {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TensorError.malformedFile(file: url.path, reason: "checkpoint not found")
        }
        let file = try SafeTensors.read(url)
        guard let stored = file.metadata[Key.contentHash] else {
            throw TensorError.malformedFile(file: url.path, reason: "no '\(Key.contentHash)' in __metadata__ (not a MarketGPT checkpoint?)")
        }
        let actual = contentHash(tensors: file.tensors, metadata: file.metadata)
        guard actual == stored else {
            throw TensorError.malformedFile(file: url.path, reason: "content hash mismatch (stored \(stored), computed \(actual)): the file was altered or damaged")
        }
        var checkpoint = ModelCheckpoint(tensors: file.tensors, metadata: file.metadata)
        checkpoint.contentHash = stored
        return checkpoint
    }

    /// The content hash `write` stores for live `tensors` and `metadata` (which must already hold
    /// `format`; `content_hash` is ignored).
    public static func contentHashOf(_ tensors: [String: Tensor], metadata: [String: String]) -> String {
        var hasher = ContentHasher()
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            hasher.add(name: name, shape: t.shape, values: UnsafeBufferPointer(start: t.data, count: t.count))
        }
        var rest = metadata
        rest.removeValue(forKey: Key.contentHash)
        hasher.add(metadata: rest)
        return hasher.hexDigest
    }

    /// The content hash of decoded tensors and metadata (`content_hash` itself is ignored).
    public static func contentHash(tensors: [String: SafeTensorsEntry], metadata: [String: String]) -> String {
        var hasher = ContentHasher()
        for name in tensors.keys.sorted() {
            let entry = tensors[name]!
            entry.values.withUnsafeBufferPointer { hasher.add(name: name, shape: entry.shape, values: $0) }
        }
        var rest = metadata
        rest.removeValue(forKey: Key.contentHash)
        hasher.add(metadata: rest)
        return hasher.hexDigest
    }
}

/// A 64-bit FNV-1a-style hash over 64-bit words (fast, detects damage and edits; not cryptographic): checkpoint content
/// hashes, and the keys of derived files (`RollingLawStore`).
public struct ContentHasher {
    /// The hash so far.
    public private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    public init() {}

    @inline(__always)
    public mutating func add(word: UInt64) {
        state = (state ^ word) &* Self.prime
        state ^= state >> 29
    }

    public mutating func add(string: String) {
        let bytes = Array(string.utf8)
        add(word: UInt64(bytes.count))
        var word: UInt64 = 0, shift: UInt64 = 0
        for byte in bytes {
            word |= UInt64(byte) << shift
            shift &+= 8
            if shift == 64 { add(word: word); word = 0; shift = 0 }
        }
        if shift > 0 { add(word: word) }
    }

    public mutating func add(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        add(string: name)
        add(word: UInt64(shape.count))
        for d in shape { add(word: UInt64(truncatingIfNeeded: d)) }
        add(word: UInt64(values.count))
        guard let base = values.baseAddress else { return }
        var i = 0
        let n = values.count
        while i &+ 2 <= n {
            add(word: UInt64(base[i].bitPattern) | (UInt64(base[i &+ 1].bitPattern) << 32))
            i &+= 2
        }
        if i < n { add(word: UInt64(base[i].bitPattern)) }
    }

    public mutating func add(metadata: [String: String]) {
        add(word: UInt64(metadata.count))
        for key in metadata.keys.sorted() {
            add(string: key)
            add(string: metadata[key]!)
        }
    }

    /// `state` as 16 hex digits.
    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
