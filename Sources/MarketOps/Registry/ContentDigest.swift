// Content hashes the registry records: a file's bytes (configs, universes) and a checkpoint's stored content_hash.
import Foundation
import MarketModel

/// Hashes of what a run used, as 16 hex digits.
public enum ContentDigest {
    /// FNV-1a 64 of `data` (not cryptographic: it tells files apart, it does not resist forgery).
    public static func fnv1a64(_ data: Data) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        data.withUnsafeBytes { raw in
            for byte in raw.bindMemory(to: UInt8.self) {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// FNV-1a 64 of the file at `path` (nil when it cannot be read).
    public static func file(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return fnv1a64(data)
    }

    /// The `content_hash` stored in a checkpoint's safetensors header, read without loading the weights
    /// (nil when the file has none). Throws when the file is not safetensors.
    public static func checkpointHash(_ url: URL) throws -> String? {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        guard let prefix = try handle.read(upToCount: 8), prefix.count == 8 else {
            throw RegistryError(file: url.path, reason: "not a safetensors file (shorter than 8 bytes)")
        }
        let length = prefix.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        guard length > 0, length < 100 << 20 else {
            throw RegistryError(file: url.path, reason: "not a safetensors file (header length \(length))")
        }
        guard let header = try handle.read(upToCount: Int(length)), header.count == Int(length),
              let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw RegistryError(file: url.path, reason: "not a safetensors file (bad JSON header)")
        }
        return (object["__metadata__"] as? [String: Any])?[ModelCheckpoint.Key.contentHash] as? String
    }
}
