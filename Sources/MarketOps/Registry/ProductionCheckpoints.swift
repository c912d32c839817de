// The production checkpoints of a universe's categories, read from the registry and verified on disk (nightly + server).
import Foundation

/// One category's production checkpoint as promoted in the registry, checked against the file on disk.
public struct ProductionCheckpoint: Sendable, Equatable {
    /// The category it is promoted for.
    public var category: String
    /// The registry run that produced it.
    public var runID: String
    /// The checkpoint file.
    public var url: URL
    /// The `content_hash` recorded at promotion (nil when the run recorded none).
    public var promotedHash: String?
    /// The `content_hash` read from the file now (nil when the file is missing or unreadable).
    public var fileHash: String?
    /// When it was promoted (ISO 8601 UTC).
    public var promotedAt: String

    /// Why the file cannot be served (missing, unreadable, or replaced since the promotion); nil when usable.
    public var problem: String? {
        guard let fileHash else { return "the production checkpoint of \(category), \(url.path), is missing or unreadable" }
        if let promotedHash, promotedHash != fileHash {
            return "the production checkpoint of \(category), \(url.path), has content hash \(fileHash), promoted with \(promotedHash) (replaced since)"
        }
        return nil
    }
}

extension RunRegistry {
    /// The `production` promotions of `categories` (nil: every category), by category, each with the file's
    /// current content hash so that a missing or replaced file shows in `problem` instead of being served.
    /// Relative checkpoint paths (as the commands record them) are resolved against `base` (nil: the current
    /// directory). Throws `RegistryError` when the registry cannot be read.
    public func productionCheckpoints(categories: [String]? = nil, relativeTo base: URL? = nil) throws -> [String: ProductionCheckpoint] {
        var result: [String: ProductionCheckpoint] = [:]
        for promotion in try promotions() where promotion.stage == .production && (categories?.contains(promotion.category) ?? true) {
            let url = promotion.checkpointPath.hasPrefix("/") || base == nil ? URL(fileURLWithPath: promotion.checkpointPath)
                : base!.appendingPathComponent(promotion.checkpointPath).standardizedFileURL
            result[promotion.category] = ProductionCheckpoint(
                category: promotion.category, runID: promotion.runID, url: url, promotedHash: promotion.checkpointHash,
                fileHash: try? ContentDigest.checkpointHash(url), promotedAt: promotion.promotedAt)
        }
        return result
    }
}
