// FineTuneRunner: `marketgpt finetune` as a library call — load the checkpoint, walk each category forward, write every output.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// One fine-tuning run over one or more categories, writing:
/// - `checkpointDirectory/model_finetuned_<K>.safetensors` (+ `.state.safetensors`), same format as pre-training,
///   with extra metadata `finetune.category`, `finetune.oos_start`, `finetune.from`;
/// - `runDirectory/walkforward_<K>.csv`, `coverage_<K>.svg`, `pit_<K>.svg`, `nll_windows_<K>.svg`, `report.json`.
public struct FineTuneRunner {
    /// The pretrained checkpoint (`pretrained.safetensors`).
    public var checkpointURL: URL
    public var checkpointDirectory: URL
    public var runDirectory: URL
    public var run: String
    public var options: WalkForwardOptions
    /// Optimisation settings (learning rate, batch size, decay, clipping, synthetic target weight).
    public var training: TrainingConfig
    /// Take each category's periods from the checkpoint's own split: the out-of-sample period from
    /// `split.test_start.<K>` (instead of the last `oosYears`) and the windows from `split.validation_start.<K>`
    /// (the bars after train_end), so that the walk-forward scores something. Default false.
    public var periodsFromCheckpointSplit = false
    /// Called with the category after its fine-tuned checkpoint is written (the `notify:` checkpoint event). Default none.
    public var onCheckpoint: ((String) -> Void)?

    public init(checkpointURL: URL, checkpointDirectory: URL, runDirectory: URL, run: String, options: WalkForwardOptions, training: TrainingConfig) {
        self.checkpointURL = checkpointURL
        self.checkpointDirectory = checkpointDirectory
        self.runDirectory = runDirectory
        self.run = run
        self.options = options
        self.training = training
    }

    /// Fine-tunes each of `categories` (names from the checkpoint's id table) in turn, from a fresh copy
    /// of the pretrained weights each time; `idTable` (the universe's) must equal the checkpoint's.
    public func run(store: FeatureStore, idTable: EmbeddingIDTable, categories: [String],
                    progress: @escaping (String) -> Void = { _ in }) throws -> WalkForwardReport {
        let started = Date()
        let lock: RunLock
        do { lock = try RunLock.acquire(folder: checkpointDirectory, command: "finetune run '\(run)'") } catch let error as RunLockError {
            throw TrainingError(step: nil, reason: error.description)
        }
        defer { lock.release() }
        for name in categories where PathName.problem(name) != nil {
            throw TrainingError(step: nil, reason: "category \(PathName.quoted(name)) \(PathName.problem(name)!) (it names output files)")
        }
        let loaded = try TrainedModel.load(checkpointURL)
        guard loaded.idTable == idTable else {
            throw TrainingError(step: nil, reason: "\(checkpointURL.path) was trained on another universe (asset/category id tables differ from the config's universe)")
        }
        try loaded.requireFeatures(store.featureSet, file: checkpointURL.path)
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        let tuner = WalkForwardFineTuner(store: store, normalizer: loaded.normalizer, options: options)
        var results: [CategoryWalkForwardResult] = []
        var pooledPretrained = ForecastRows(horizon: loaded.model.config.horizon), pooledFineTuned = pooledPretrained
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        for name in categories {
            guard let categoryID = idTable.categoryID(of: name) else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")))")
            }
            let model = try loaded.freshModel()
            let (result, forecasts, trainer) = try tuner.run(model: model, training: training, categoryID: categoryID, name: name,
                                                             trainEnd: cuts.trainEnd[name],
                                                             outOfSampleStart: periodsFromCheckpointSplit ? cuts.testStart[name] : nil,
                                                             windowsFrom: periodsFromCheckpointSplit ? cuts.validationStart[name] : nil, progress: progress)
            var extra = CheckpointMetadata(run: run, fineTunedCategory: name, fineTunedFrom: checkpointURL.lastPathComponent).entries
            extra[CheckpointMetadata.Key.outOfSampleStart] = result.outOfSampleStart
            // The cuts and the drift gate's reference carry over; this category's train_end moves to the last fine-tuning target.
            for (key, value) in loaded.checkpoint.metadata where CheckpointCuts.Key.isCut(key) { extra[key] = value }
            extra[FeatureReference.metadataKey] = loaded.checkpoint.metadata[FeatureReference.metadataKey]
            if let end = result.fineTuneTrainEnd { extra[CheckpointCuts.Key.trainEnd(name)] = end }
            let metadata = try TrainingCheckpoint.modelMetadata(model: trainer.model, idTable: idTable, normalizer: loaded.normalizer,
                                                                step: trainer.state.step, extra: extra)
            let files = TrainingCheckpoint(directory: checkpointDirectory, name: "model_finetuned_\(name)")
            for action in try files.recover() { progress("finetune: \(checkpointDirectory.path): \(action)") }
            try files.write(trainer, metadata: metadata)
            onCheckpoint?(name)
            try AtomicFile.write(WalkForwardReport.windowCSV(result), to: runDirectory.appendingPathComponent("walkforward_\(name).csv"))
            try AtomicFile.write(result.outOfSampleFineTuned.coveragePlot(title: "\(name): out-of-sample interval coverage per horizon step"),
                                 to: runDirectory.appendingPathComponent("coverage_\(name).svg"))
            try AtomicFile.write(result.outOfSampleFineTuned.pitPlot(title: "\(name): out-of-sample PIT histogram (fine-tuned model)"),
                                 to: runDirectory.appendingPathComponent("pit_\(name).svg"))
            try AtomicFile.write(result.windowNLLPlot(title: "\(name): NLL per walk-forward window"),
                                 to: runDirectory.appendingPathComponent("nll_windows_\(name).svg"))
            results.append(result)
            pooledPretrained.append(forecasts.outOfSamplePretrained)
            pooledFineTuned.append(forecasts.outOfSampleFineTuned)
        }
        let report = WalkForwardReport(run: run, checkpoint: checkpointURL.path, options: options, categories: results,
                                       pooledOutOfSamplePretrained: pooledPretrained.count > 0 ? ForecastEvaluation(pooledPretrained) : nil,
                                       pooledOutOfSampleFineTuned: pooledFineTuned.count > 0 ? ForecastEvaluation(pooledFineTuned) : nil,
                                       seconds: Date().timeIntervalSince(started))
        try AtomicFile.write(try report.jsonData(), to: runDirectory.appendingPathComponent("report.json"))
        return report
    }
}
