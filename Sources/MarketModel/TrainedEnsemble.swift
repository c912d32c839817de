// TrainedEnsemble: one checkpoint or a deep ensemble (ensemble.json) loaded for forecasting, with the calibration that applies.
import Foundation
import MarketData
import MarketTensor

/// The models a forecast is made with: one checkpoint file (K = 1) or the K members of a deep ensemble named by an
/// `EnsembleManifest` (`checkpoints/<run>/ensemble.json`). Their predictive is the equal-weight mixture over members
/// and MC-dropout passes (`ForecastCollector.modelRows(_:samples:seed:…)`, `MarketGPT.predictive` + `Predictive.mixture`).
///
/// Members must agree on everything except their weights: model config, features and normaliser, id tables and the
/// per-category cuts (`train_end.*`, `split.*`) — they are runs of one config with different seeds — so the first
/// member's decoded contract (`primary`) stands for all.
public final class TrainedEnsemble {
    /// The file given: a `.safetensors` checkpoint or an `ensemble.json` manifest.
    public let url: URL
    /// K ≥ 1 members, in member order.
    public let members: [TrainedModel]
    /// The manifest (nil for a single checkpoint).
    public let manifest: EnsembleManifest?
    /// The scale calibration of the predictive: the single checkpoint's `calibration` entry, or the manifest's
    /// (fitted on the mixture) for an ensemble — never a member's own, which was fitted for that member alone.
    public let calibration: PredictiveCalibration?

    init(url: URL, members: [TrainedModel], manifest: EnsembleManifest?, calibration: PredictiveCalibration?) {
        self.url = url
        self.members = members
        self.manifest = manifest
        self.calibration = calibration
    }

    /// The first member: its config, normaliser, id tables and metadata are every member's.
    public var primary: TrainedModel { members[0] }
    /// The members' networks.
    public var models: [MarketGPT] { members.map(\.model) }
    /// K.
    public var count: Int { members.count }

    /// Loads `url`: a manifest (`.json`) → every member, each verified against the hash the manifest recorded; any
    /// other file → that one checkpoint (`TrainedModel.load`). Throws `TensorError.malformedFile` naming the file for
    /// an unfinished ensemble, a replaced or damaged member, or members that disagree.
    public static func load(_ url: URL) throws -> TrainedEnsemble {
        guard EnsembleManifest.isManifest(url) else {
            let model = try TrainedModel.load(url)
            return TrainedEnsemble(url: url, members: [model], manifest: nil,
                                   calibration: try PredictiveCalibration.read(model.checkpoint.metadata, file: model.url.path))
        }
        let manifest = try EnsembleManifest.read(url)
        guard manifest.isComplete else {
            throw TensorError.malformedFile(file: url.path, reason: "\(manifest.members.count) of \(manifest.plannedMembers) ensemble members trained; "
                                            + "finish with `pretrain --ensemble \(manifest.plannedMembers) --resume`")
        }
        let folder = url.deletingLastPathComponent()
        var members: [TrainedModel] = []
        for (member, file) in zip(manifest.members, manifest.memberURLs(directory: folder)) {
            let model = try TrainedModel.load(file)
            guard model.contentHash == member.contentHash else {
                throw TensorError.malformedFile(file: file.path, reason: "content hash \(model.contentHash ?? "none") differs from \(member.contentHash) "
                                                + "recorded in \(url.lastPathComponent) (the member was replaced after the ensemble was written)")
            }
            if let first = members.first {
                try requireAgreement(first, model)
            }
            members.append(model)
        }
        return TrainedEnsemble(url: url, members: members, manifest: manifest, calibration: manifest.calibration)
    }

    /// Throws unless `b` agrees with `a` on config, normaliser, id tables and cuts.
    static func requireAgreement(_ a: TrainedModel, _ b: TrainedModel) throws {
        func fail(_ what: String) -> TensorError {
            TensorError.malformedFile(file: b.url.path, reason: "ensemble member differs from \(a.url.lastPathComponent) in its \(what)")
        }
        guard a.config == b.config else { throw fail("model config") }
        guard a.idTable == b.idTable else { throw fail("asset/category id tables") }
        guard a.normalizer == b.normalizer else { throw fail("feature normaliser") }
        let cut = { (m: TrainedModel) in m.checkpoint.metadata.filter { $0.key.hasPrefix("train_end.") || $0.key.hasPrefix("split.") } }
        guard cut(a) == cut(b) else { throw fail("per-category cuts (train_end.*, split.*)") }
    }
}
