// The universe a training workflow (pretrain, finetune, evaluate) works on: its config with overrides applied,
// gap-filled features and id tables — loaded once through a `UniverseSession`.
import Foundation
import MarketData
import MarketModel
import MarketSynthetic
import MarketTraining
import MarketSupport

/// The universe a training workflow works on: config (overrides applied), gap-filled features and id tables.
public struct TrainingUniverse {
    public var config: TrainingRunConfig
    public var store: FeatureStore
    public var idTable: EmbeddingIDTable
    /// Synthetic series for `augmentation.synthetic_share` (nil when it is 0).
    public var syntheticAugmentation: FeatureStore?

    /// Overrides of a training config's `training:` section (nil: keep the file's value).
    public struct Overrides: Sendable {
        public var seed: UInt64?
        public var run: String?
        public var universe: String?
        public var data: String?

        public init(seed: UInt64? = nil, run: String? = nil, universe: String? = nil, data: String? = nil) {
            self.seed = seed
            self.run = run
            self.universe = universe
            self.data = data
        }
    }

    /// Reads the config at `path` strictly, applies `overrides`, loads the universe and its data (gap-filled with
    /// the default fill seed), computes features and id tables; `log` gets one progress line (`command: …`).
    /// Throws `PipelineError` naming the file for a bad config or universe or a missing data folder.
    public static func load(config path: String, overrides: Overrides, command: String,
                            log: (String) -> Void = TrainingUniverse.log) throws -> TrainingUniverse {
        var runConfig = try PipelineError.wrap { try TrainingRunConfig.load(URL(fileURLWithPath: path)) }
        if let seed = overrides.seed { runConfig.training.seed = seed }
        if let run = overrides.run { runConfig.training.run = run }
        if let universe = overrides.universe { runConfig.training.universe = universe }
        if let data = overrides.data { runConfig.training.data = data }
        return try load(runConfig: runConfig, command: command, log: log)
    }

    /// Loads the universe and data `runConfig.training` names (overrides already applied), as above.
    public static func load(runConfig: TrainingRunConfig, command: String,
                            log: (String) -> Void = TrainingUniverse.log) throws -> TrainingUniverse {
        let training = runConfig.training
        let started = Date()
        let session = try UniverseSession.open(universe: URL(fileURLWithPath: training.universe),
                                               data: URL(fileURLWithPath: training.data))
        let loaded = session.filled().universe
        let counts = loaded.statusCounts
        let inputs = TrainingInputs(loaded: loaded, featureSet: runConfig.model.features)
        let store = inputs.store
        log("\(command): \(loaded.assets.count) assets (ok \(counts[.ok] ?? 0), filled \(counts[.filled] ?? 0), missing \(counts[.missing] ?? 0)) "
            + "from \(training.data), features in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        var synthetic: FeatureStore?
        let augmentation = runConfig.augmentation
        if augmentation.syntheticShare > 0 && command == "pretrain" {   // pre-training only: finetune/evaluate never augment
            // The earliest per-category validation start: no category's held-out bars feed the augmentation.
            let cut = try PipelineError.wrap {
                try CategorySplit.make(store, categoryNames: inputs.idTable.categories, fractions: training.split).envelope
                    ?? DateSplit.pooled(store, fractions: training.split)
            }
            synthetic = SyntheticAugmentation.store(loaded, before: cut.validationStart, seriesPerAsset: augmentation.syntheticSeriesPerAsset,
                                                    seed: training.seed, features: store.featureSet)
            log("\(command): \(synthetic!.assets.count) synthetic augmentation series from bars before \(CivilDate.isoString(cut.validationStart))")
        }
        return TrainingUniverse(config: runConfig, store: store, idTable: inputs.idTable, syntheticAugmentation: synthetic)
    }

    /// Writes `text` and a newline to stderr.
    public static func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
