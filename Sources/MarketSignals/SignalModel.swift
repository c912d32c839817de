// A checkpoint decoded for inference: model, feature normaliser and id tables (read through MarketModel + MarketData).
import Foundation
import MarketData
import MarketModel
import MarketTensor

/// Everything a nightly run needs from one checkpoint file (`pretrained.safetensors` or
/// `model_finetuned_<K>.safetensors`) or one deep ensemble (`ensemble.json`): the verified weights as
/// `MarketGPT`s, the normaliser they were trained with and the universe id tables they were trained on.
public final class SignalModel {
    /// The file it came from (for messages and the summary).
    public let url: URL
    /// The (first) member's network: its config is every member's.
    public let model: MarketGPT
    /// K ≥ 1 ensemble members (`members[0] === model`); the predictive mixes S MC passes of each.
    public let members: [MarketGPT]
    public let normalizer: FeatureNormalizer
    public let idTable: EmbeddingIDTable
    /// The verified `content_hash` of the file.
    public let contentHash: String?
    /// The checkpoint's raw `__metadata__` strings (the per-category cuts are read from it by `CheckpointCuts`).
    public let metadata: [String: String]
    /// Ticker → asset id in `idTable` (the embedding row and the normaliser key).
    public let assetIDs: [String: Int]
    /// The checkpoint's post-hoc scale calibration (per category and step), applied to every predictive law.
    public var calibration: PredictiveCalibration?
    /// Workers of the MC-dropout predictive: fixed (not the machine's core count) so that the split of a
    /// batch — and with it every dropout draw — is the same on every machine.
    public static let predictiveWorkers = 2
    /// The model spread over `predictiveWorkers` replicas (every op on both cores, not only the GEMMs).
    public private(set) lazy var parallel = DataParallel(model: model, workers: Self.predictiveWorkers)
    /// Every member spread the same way (member 0's is `parallel`).
    public private(set) lazy var memberParallels: [DataParallel] = [parallel] + members.dropFirst().map { DataParallel(model: $0, workers: Self.predictiveWorkers) }

    public init(model: MarketGPT, normalizer: FeatureNormalizer, idTable: EmbeddingIDTable, url: URL, contentHash: String? = nil,
                metadata: [String: String] = [:], otherMembers: [MarketGPT] = []) {
        self.metadata = metadata
        self.model = model
        members = [model] + otherMembers
        self.normalizer = normalizer
        self.idTable = idTable
        self.url = url
        self.contentHash = contentHash
        var ids: [String: Int] = [:]
        for (id, asset) in idTable.assets.enumerated() where ids[asset.ticker] == nil { ids[asset.ticker] = id }
        assetIDs = ids
    }

    /// Reads and verifies `url` (content hash) and decodes model, id tables and normaliser.
    /// Throws `SignalError.checkpoint` with the file and the reason for a missing, damaged or incomplete
    /// checkpoint, or one whose model and stored feature list disagree. The features fed to the model
    /// are the checkpoint's (`normalizer.features`), computed by `SignalWindow` exactly as in training.
    /// A deep ensemble's `ensemble.json` loads every member (`TrainedEnsemble.load`: finished, hash-checked, agreeing);
    /// its calibration is the manifest's (fitted on the mixture).
    public static func load(_ url: URL) throws -> SignalModel {
        do {
            let ensemble = try TrainedEnsemble.load(url)
            let trained = ensemble.primary
            let model = trained.model, normalizer = trained.normalizer
            guard model.config.featureCount == normalizer.featureCount else {
                throw SignalError.checkpoint(file: url.path, reason: "model expects \(model.config.featureCount) features per bar, "
                                             + "its normaliser names \(normalizer.featureCount) (\(normalizer.features))")
            }
            let signalModel = SignalModel(model: model, normalizer: normalizer, idTable: trained.idTable, url: url,
                                          contentHash: ensemble.manifest == nil ? trained.contentHash : ensemble.members.compactMap(\.contentHash).joined(separator: "+"),
                                          metadata: trained.checkpoint.metadata, otherMembers: Array(ensemble.models.dropFirst()))
            signalModel.calibration = ensemble.calibration
            return signalModel
        } catch let error as TensorError {
            throw SignalError.checkpoint(file: url.path, reason: String(describing: error))
        }
    }

    /// The predictive of `batch`: `samples` MC-dropout passes of each member, mixed (`Predictive.mixture`: epistemic =
    /// between-member + within-member parts). One member: exactly `parallel.predictive` with `rng`. Member k > 0 draws from
    /// stream k of a seed taken from `rng`, so the result is a function of `rng`'s state alone.
    public func predictive(_ batch: Batch, samples: Int, rng: inout RandomGenerator, mode: DropoutMode = .monteCarlo) -> Predictive {
        guard members.count > 1 else { return parallel.predictive(batch, samples: samples, rng: &rng, mode: mode) }
        var parts = [parallel.predictive(batch, samples: samples, rng: &rng, mode: mode)]
        let seed = rng.next()
        for (k, member) in memberParallels.enumerated().dropFirst() {
            var memberRNG = RandomGenerator(seed: seed, stream: UInt64(k))
            parts.append(member.predictive(batch, samples: samples, rng: &memberRNG, mode: mode))
        }
        return Predictive.mixture(parts)
    }

    /// The model input of an asset this checkpoint has not seen (zero-shot), if its category is known: the category id,
    /// and a normaliser with the asset's statistics fitted on its own bars `0…last` under key −1 (no bar after the date).
    /// Throws `SignalError.checkpoint` naming the category when the checkpoint does not know it.
    public func zeroShotInput(category: String, series: OHLCVSeries, last: Int) throws -> (categoryID: Int, normalizer: FeatureNormalizer) {
        guard let categoryID = idTable.categoryID(of: category) else {
            throw SignalError.checkpoint(file: url.path, reason: "unknown category '\(category)': the checkpoint knows \(idTable.categories.joined(separator: ", "))")
        }
        var fitted = normalizer
        let features = AssetFeatures(assetID: Self.zeroShotKey, categoryID: categoryID, series: series.slice(0..<(last + 1)), featureSet: normalizer.features)
        fitted.fit(features, range: 0..<features.count)
        return (categoryID, fitted)
    }

    /// The normaliser key (and model asset id) of a zero-shot asset: −1, "no asset embedding".
    public static let zeroShotKey = -1
}

/// Which checkpoint scores which category: `model_finetuned_<category>` where present, else the fallback
/// (the pre-trained checkpoint, or the one given with `--checkpoint`, which then scores every category).
public struct SignalModelSet {
    /// Category name → its fine-tuned model.
    public var byCategory: [String: SignalModel]
    /// The model for every other category (nil: those categories get HOLD `no model`).
    public var fallback: SignalModel?

    public init(byCategory: [String: SignalModel] = [:], fallback: SignalModel?) {
        self.byCategory = byCategory
        self.fallback = fallback
    }

    /// The model scoring `category`.
    public func model(for category: String) -> SignalModel? { byCategory[category] ?? fallback }

    /// True when no model at all is present.
    public var isEmpty: Bool { byCategory.isEmpty && fallback == nil }

    /// The fine-tuned file name of a category (`model_finetuned_<category>.safetensors`).
    public static func finetunedFileName(category: String) -> String { "model_finetuned_\(category).safetensors" }
    /// The pre-trained file name (`pretrained.safetensors`).
    public static let pretrainedFileName = "pretrained.safetensors"

    /// The models of a checkpoint folder: `pretrained.safetensors` as the fallback (when present) and
    /// `model_finetuned_<K>.safetensors` for each of `categories` that has one. Throws when a present
    /// file is unusable (never silently falls back past a damaged file).
    public static func load(directory: URL, categories: [String]) throws -> SignalModelSet {
        let manager = FileManager.default
        var set = SignalModelSet(fallback: nil)
        let pretrained = directory.appendingPathComponent(pretrainedFileName)
        if manager.fileExists(atPath: pretrained.path) { set.fallback = try SignalModel.load(pretrained) }
        for category in categories {
            let url = directory.appendingPathComponent(finetunedFileName(category: category))
            if manager.fileExists(atPath: url.path) { set.byCategory[category] = try SignalModel.load(url) }
        }
        return set
    }
}
