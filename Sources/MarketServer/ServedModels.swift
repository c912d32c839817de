// Which checkpoint scores which category: the registry's production promotions over the checkpoint folder, re-read while serving.
import Foundation
import MarketOps
import MarketSignals

/// Where one category's forecasting checkpoint comes from (`/health` → `models`).
public struct ServedModel: Sendable, Equatable {
    /// The category.
    public var category: String
    /// `registry` (its production promotion) or `folder` (the checkpoint folder's file).
    public var source: String
    /// The checkpoint file.
    public var checkpoint: String
    /// The checkpoint's verified `content_hash`.
    public var contentHash: String?
    /// The registry run that produced it (registry models only).
    public var runID: String?
    /// When it was promoted (registry models only).
    public var promotedAt: String?

    /// The JSON object of `/health`'s `models` array.
    var json: [String: Any] {
        ["category": category, "source": source, "checkpoint": checkpoint, "content_hash": contentHash ?? NSNull(),
         "run": runID ?? NSNull(), "promoted_at": promotedAt ?? NSNull()]
    }
}

/// The models the server scores with: the checkpoint folder's set (read once at start), each category
/// with a `production` promotion in the run registry scored by that checkpoint instead — what
/// `marketgpt nightly` uses. `refresh()` re-reads the promotions (the server calls it every
/// `registry_poll_s` seconds on the forecasting queue): a new promotion is loaded and served from then
/// on, a promoted file that is missing or was replaced since its promotion is not served (the category
/// keeps its previous model and `problems` says why), and a registry that cannot be read leaves the
/// models as they are. The registry file is never created by the server.
///
/// Not thread-safe: call from one queue (`Blocking.serial`).
final class ServedModels {
    /// The checkpoint folder's models.
    let folder: SignalModelSet
    /// The categories of the served universe, in universe order.
    let categories: [String]
    /// The registry database (nil: `models: folder`).
    let registryURL: URL?
    /// The folder relative checkpoint paths of the registry are resolved against (the server's working folder).
    let base: URL
    /// The models in use.
    private(set) var set: SignalModelSet
    /// Category → where its model comes from (categories without a model are absent).
    private(set) var served: [ServedModel] = []
    /// Why a promotion or the registry is not used (one line each).
    private(set) var problems: [String] = []
    private var registry: RunRegistry?
    /// Loaded production models by "path|hash", so an unchanged promotion is not read again.
    private var loaded: [String: SignalModel] = [:]
    /// The promotions in use, by category.
    private var inUse: [String: ProductionCheckpoint] = [:]

    init(folder: SignalModelSet, categories: [String], registryURL: URL?, base: URL) {
        self.folder = folder
        self.base = base
        self.categories = categories
        self.registryURL = registryURL
        set = folder
        served = Self.describe(set: folder, categories: categories, production: [:])
    }

    /// Re-reads the production promotions and loads any new one; returns true when the models changed.
    @discardableResult
    func refresh() -> Bool {
        guard let registryURL else { return false }
        var problems: [String] = []
        var production: [String: ProductionCheckpoint] = [:]
        if registry == nil, FileManager.default.fileExists(atPath: registryURL.path) {
            do { registry = try RunRegistry(url: registryURL, busyTimeout: 2) } catch { problems.append("registry: \(error)") }
        }
        if let registry {
            do { production = try registry.productionCheckpoints(categories: categories, relativeTo: base) } catch {
                self.problems = ["registry: \(error) — models unchanged"]
                return false
            }
        }
        var next = folder
        var used: [String: ProductionCheckpoint] = [:]
        var keep: [String: SignalModel] = [:]
        for category in categories {
            guard let checkpoint = production[category] else { continue }
            if let problem = checkpoint.problem {
                problems.append("\(problem) — not served")
                // The category keeps the production model it had, if any.
                if let current = inUse[category], let model = set.byCategory[category] {
                    next.byCategory[category] = model
                    keep[Self.key(current.url.path, current.fileHash)] = model
                    used[category] = current
                }
                continue
            }
            let key = Self.key(checkpoint.url.path, checkpoint.fileHash)
            do {
                let model = try loaded[key] ?? SignalModel.load(checkpoint.url)
                next.byCategory[category] = model
                keep[key] = model
                used[category] = checkpoint
            } catch {
                problems.append("\(error) — not served")
            }
        }
        let described = Self.describe(set: next, categories: categories, production: used)
        loaded = keep
        self.problems = problems
        guard described != served else { return false }
        set = next
        inUse = used
        served = described
        return true
    }

    private static func key(_ path: String, _ hash: String?) -> String { "\(path)|\(hash ?? "")" }

    /// The served description of `set` (production entries marked as such).
    static func describe(set: SignalModelSet, categories: [String], production: [String: ProductionCheckpoint]) -> [ServedModel] {
        categories.compactMap { category in
            guard let model = set.model(for: category) else { return nil }
            if let promoted = production[category] {
                return ServedModel(category: category, source: "registry", checkpoint: promoted.url.path, contentHash: model.contentHash,
                                   runID: promoted.runID, promotedAt: promoted.promotedAt)
            }
            return ServedModel(category: category, source: "folder", checkpoint: model.url.path, contentHash: model.contentHash)
        }
    }
}
