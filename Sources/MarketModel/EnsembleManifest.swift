// EnsembleManifest: the layout of a deep-ensemble checkpoint set — K member checkpoints and one manifest naming them.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// A deep ensemble of K independently initialised and trained MarketGPT members (`pretrain --ensemble K`),
/// stored as one checkpoint set in `checkpoints/<run>/`:
///
/// ```
/// checkpoints/<run>/ensemble.json                      this manifest
/// checkpoints/<run>/member_<k>/pretrained.safetensors   member k's weights (+ .state.safetensors), k = 0…K−1
/// ```
///
/// Member k is an ordinary pre-training run with seed `seed + k` (member 0 is the single-model run of the same
/// config). The manifest is rewritten atomically after each member finishes and lists the finished members with
/// the content hash of their weights, so a set is never half-described: `members.count < plannedMembers` means the
/// training was interrupted (`pretrain --ensemble K --resume` finishes it) and readers refuse it; a member file
/// whose hash differs from the manifest (re-trained or replaced since) is an error too.
public struct EnsembleManifest: Codable, Equatable, Sendable {
    /// One finished member.
    public struct Member: Codable, Equatable, Sendable {
        /// k, 0-based.
        public var index: Int
        /// The seed it was trained with (`seed + k`).
        public var seed: UInt64
        /// Its weights file, relative to the manifest's folder (`member_<k>/pretrained.safetensors`).
        public var file: String
        /// The verified `content_hash` of that file when the member finished.
        public var contentHash: String
        /// Optimizer steps it completed.
        public var step: Int

        public init(index: Int, seed: UInt64, file: String, contentHash: String, step: Int) {
            self.index = index
            self.seed = seed
            self.file = file
            self.contentHash = contentHash
            self.step = step
        }

        enum CodingKeys: String, CodingKey { case index, seed, file, contentHash = "content_hash", step }
    }

    /// The file name of the manifest in `checkpoints/<run>/`.
    public static let fileName = "ensemble.json"
    /// The format written by this version.
    public static let formatVersion = "marketgpt-ensemble-1"

    public var format = EnsembleManifest.formatVersion
    /// The run (`checkpoints/<run>/`).
    public var run: String
    /// K, the members asked for.
    public var plannedMembers: Int
    /// The base seed (member k trains with `seed + k`).
    public var seed: UInt64
    /// The finished members, in index order.
    public var members: [Member]
    /// A scale calibration of the ensemble's mixture (fitted on held-out rows, never a test period); nil when none.
    public var calibration: PredictiveCalibration?

    enum CodingKeys: String, CodingKey { case format, run, plannedMembers = "planned_members", seed, members, calibration }

    public init(run: String, plannedMembers: Int, seed: UInt64, members: [Member] = []) {
        self.run = run
        self.plannedMembers = plannedMembers
        self.seed = seed
        self.members = members
    }

    /// True when every planned member has finished.
    public var isComplete: Bool { members.count == plannedMembers }

    /// The folder of member k (`member_<k>`), relative to the manifest's folder.
    public static func memberDirectoryName(_ k: Int) -> String { "member_\(k)" }

    /// The seed of member k.
    public static func memberSeed(base: UInt64, index k: Int) -> UInt64 { base &+ UInt64(k) }

    /// The weights files of the finished members, resolved against the manifest's folder `directory`.
    public func memberURLs(directory: URL) -> [URL] { members.map { directory.appendingPathComponent($0.file) } }

    /// Whether `url` names a manifest (a `.json` file) rather than one checkpoint.
    public static func isManifest(_ url: URL) -> Bool { url.pathExtension.lowercased() == "json" }

    /// Reads a manifest. Throws `TensorError.malformedFile` naming the file for an unreadable file, bad JSON (with the key
    /// path and the reason: a missing key, a wrong type, or a `calibration.rolling` field out of its bounds — the checkpoint
    /// metadata's, `RollingCalibration.init(from:)`), an unknown format, members out of order or more members than planned.
    public static func read(_ url: URL) throws -> EnsembleManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TensorError.malformedFile(file: url.path, reason: "cannot read the ensemble manifest (\((error as NSError).localizedDescription))")
        }
        let manifest: EnsembleManifest
        do { manifest = try JSONDecoder().decode(EnsembleManifest.self, from: data) } catch let error as DecodingError {
            throw TensorError.malformedFile(file: url.path, reason: "not a valid ensemble manifest (\(error.pathDescription))")
        } catch {
            throw TensorError.malformedFile(file: url.path, reason: "not an ensemble manifest (\(error))")
        }
        guard manifest.format == formatVersion else {
            throw TensorError.malformedFile(file: url.path, reason: "format '\(manifest.format)', expected '\(formatVersion)'")
        }
        guard manifest.plannedMembers >= 1, manifest.members.count <= manifest.plannedMembers else {
            throw TensorError.malformedFile(file: url.path, reason: "planned_members \(manifest.plannedMembers) with \(manifest.members.count) members")
        }
        for (k, member) in manifest.members.enumerated()
        where member.index != k || member.file.split(separator: "/", omittingEmptySubsequences: false).contains(where: { PathName.problem(String($0)) != nil }) {
            throw TensorError.malformedFile(file: url.path, reason: "members[\(k)]: index \(member.index) or file '\(member.file)' invalid (members in order, files inside the folder)")
        }
        return manifest
    }

    /// Writes the manifest atomically (sorted keys, pretty printed).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
