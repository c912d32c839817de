// The universe a training command (pretrain, finetune, evaluate) works on: its config with CLI overrides, gap-filled features, id tables.
import ArgumentParser
import Foundation
import MarketData
import MarketModel
import MarketSynthetic
import MarketTraining

/// The universe a training command works on: config (CLI overrides applied), gap-filled features and id tables.
struct TrainingUniverse {
    var config: TrainingRunConfig
    var store: FeatureStore
    var idTable: EmbeddingIDTable
    /// Synthetic series for `augmentation.synthetic_share` (nil when it is 0).
    var syntheticAugmentation: FeatureStore?

    static func load(config path: String, seed: UInt64?, run: String?, universe: String?, data: String?, command: String) throws -> TrainingUniverse {
        var runConfig: TrainingRunConfig
        do { runConfig = try TrainingRunConfig.load(URL(fileURLWithPath: path)) } catch let error as ConfigError {
            throw DataCommandFailure(error.description)
        }
        if let seed { runConfig.training.seed = seed }
        if let run { runConfig.training.run = run }
        if let universe { runConfig.training.universe = universe }
        if let data { runConfig.training.data = data }
        let training = runConfig.training
        let definition: Universe
        do { definition = try Universe.load(URL(fileURLWithPath: training.universe)) } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: training.data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataCommandFailure("\(training.data): data folder not found")
        }
        let started = Date()
        let loaded = GapFiller.fill(UniverseLoader.load(definition, dataDirectory: URL(fileURLWithPath: training.data))).universe
        let counts = loaded.statusCounts
        let store = FeatureStore(loaded: loaded, featureSet: runConfig.model.features)
        log("\(command): \(loaded.assets.count) assets (ok \(counts[.ok] ?? 0), filled \(counts[.filled] ?? 0), missing \(counts[.missing] ?? 0)) "
            + "from \(training.data), features in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let idTable = EmbeddingIDTable(
            assets: definition.assets.map { EmbeddingIDTable.Asset(ticker: $0.asset.ticker, category: $0.categoryID) },
            categories: definition.categories.map(\.name))
        var synthetic: FeatureStore?
        let augmentation = runConfig.augmentation
        if augmentation.syntheticShare > 0 && command == "pretrain" {   // pre-training only: finetune/evaluate never augment
            let cut: DateSplit
            do { cut = try DateSplit.pooled(store, fractions: training.split) } catch let error as TrainingError {
                throw DataCommandFailure("\(command): \(error.description)")
            }
            synthetic = SyntheticAugmentation.store(loaded, before: cut.validationStart, seriesPerAsset: augmentation.syntheticSeriesPerAsset,
                                                    seed: training.seed, features: store.featureSet)
            log("\(command): \(synthetic!.assets.count) synthetic augmentation series from bars before \(CivilDate.isoString(cut.validationStart))")
        }
        return TrainingUniverse(config: runConfig, store: store, idTable: idTable, syntheticAugmentation: synthetic)
    }

    static func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// The options every training command shares: where the run's outputs go and which universe and data it reads.
struct TrainingSourceOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "Run name: outputs go to runs/NAME/ and checkpoints/NAME/ (overrides training.run).")
    var runName: String?

    @Option(help: "Universe YAML (overrides training.universe).")
    var universe: String?

    @Option(help: "Data folder of OHLCV CSVs (overrides training.data).")
    var data: String?

    func validate() throws {
        if let runName, let problem = PathName.problem(runName) {
            throw ValidationError("--run must be one folder name (no '/', '\\', '..' or control characters): \(PathName.quoted(runName)) \(problem)")
        }
    }

    /// `root/<run>` (root relative to the working folder), checked to stay inside `root` (`PathName`).
    func folder(_ root: String, run: String) throws -> URL {
        do { return try PathName.child(URL(fileURLWithPath: root), run, what: "run name") } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
    }

    /// Loads the config at `config` with these overrides (and `seed`) applied; see `TrainingUniverse.load`.
    func load(config: String, seed: UInt64?, command: String) throws -> TrainingUniverse {
        try TrainingUniverse.load(config: config, seed: seed, run: runName, universe: universe, data: data, command: command)
    }
}
