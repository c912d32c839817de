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
    /// The processes sharing the categories (default: this one alone). With N ranks, category i (in the order
    /// given) is fine-tuned on rank i mod N; each rank sends its outcomes (checkpoint pair, files, results) to all
    /// in one gather, and rank 0 alone writes every file, in category order, exactly as a sequential run would.
    public var group: ProcessGroup = SingleProcess.shared

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
    /// With several ranks (`group`), the categories are spread over them and rank 0 writes (see `group`).
    public func run(store: FeatureStore, idTable: EmbeddingIDTable, categories: [String],
                    progress: @escaping (String) -> Void = { _ in }) throws -> WalkForwardReport {
        let started = Date()
        var lock: RunLock?
        if group.isRoot {
            do { lock = try RunLock.acquire(folder: checkpointDirectory, command: "finetune run '\(run)'") } catch let error as RunLockError {
                throw TrainingError(step: nil, reason: error.description)
            }
        }
        defer { lock?.release() }
        for name in categories where PathName.problem(name) != nil {
            throw TrainingError(step: nil, reason: "category \(PathName.quoted(name)) \(PathName.problem(name)!) (it names output files)")
        }
        let loaded = try TrainedModel.load(checkpointURL)
        guard loaded.idTable == idTable else {
            throw TrainingError(step: nil, reason: "\(checkpointURL.path) was trained on another universe (asset/category id tables differ from the config's universe)")
        }
        try loaded.requireFeatures(store.featureSet, file: checkpointURL.path)
        let categoryIDs = try categories.map { name -> Int in
            guard let id = idTable.categoryID(of: name) else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")))")
            }
            return id
        }
        if group.isRoot { try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true) }
        var outcomes: [CategoryOutcome] = []
        for (index, name) in categories.enumerated() where index % group.size == group.rank {
            let outcome = try fineTune(name, index: index, categoryID: categoryIDs[index], loaded: loaded, store: store,
                                       idTable: idTable, progress: progress)
            if group.size == 1 { try write(outcome, progress: progress) }
            outcomes.append(outcome)
        }
        if group.size > 1 { outcomes = try gather(outcomes, progress: progress) }
        var results: [CategoryWalkForwardResult] = []
        var pooledPretrained = ForecastRows(horizon: loaded.model.config.horizon), pooledFineTuned = pooledPretrained
        for outcome in outcomes.sorted(by: { $0.index < $1.index }) {
            results.append(outcome.result)
            pooledPretrained.append(outcome.outOfSamplePretrained)
            pooledFineTuned.append(outcome.outOfSampleFineTuned)
        }
        let report = WalkForwardReport(run: run, checkpoint: checkpointURL.path, options: options, categories: results,
                                       pooledOutOfSamplePretrained: pooledPretrained.count > 0 ? ForecastEvaluation(pooledPretrained) : nil,
                                       pooledOutOfSampleFineTuned: pooledFineTuned.count > 0 ? ForecastEvaluation(pooledFineTuned) : nil,
                                       seconds: Date().timeIntervalSince(started))
        if group.isRoot { try AtomicFile.write(try report.jsonData(), to: runDirectory.appendingPathComponent("report.json")) }
        return report
    }

    /// What fine-tuning one category produced: its result, its out-of-sample rows (pooled in the report), the
    /// checkpoint pair and the run-folder files as bytes.
    struct CategoryOutcome: Codable {
        var index: Int
        var name: String
        var result: CategoryWalkForwardResult
        var outOfSamplePretrained: ForecastRows
        var outOfSampleFineTuned: ForecastRows
        var checkpoint: TrainingCheckpoint.EncodedPair
        /// `walkforward_<K>.csv` and the plots, by file name in the run folder, in writing order.
        var files: [FileBytes]
    }

    /// One file of the run folder.
    struct FileBytes: Codable {
        var name: String
        var bytes: Data
    }

    /// Walks category `name` forward from a fresh copy of the pretrained weights and encodes what it leaves behind.
    func fineTune(_ name: String, index: Int, categoryID: Int, loaded: TrainedModel, store: FeatureStore, idTable: EmbeddingIDTable,
                  progress: @escaping (String) -> Void) throws -> CategoryOutcome {
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        let tuner = WalkForwardFineTuner(store: store, normalizer: loaded.normalizer, options: options)
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
        let pair = try checkpointFiles(name).encode(trainer, metadata: metadata)
        let files = [
            FileBytes(name: "walkforward_\(name).csv", bytes: Data(WalkForwardReport.windowCSV(result).utf8)),
            FileBytes(name: "coverage_\(name).svg",
                      bytes: Data(result.outOfSampleFineTuned.coveragePlot(title: "\(name): out-of-sample interval coverage per horizon step").utf8)),
            FileBytes(name: "pit_\(name).svg", bytes: Data(result.outOfSampleFineTuned.pitPlot(title: "\(name): out-of-sample PIT histogram (fine-tuned model)").utf8)),
            FileBytes(name: "nll_windows_\(name).svg", bytes: Data(result.windowNLLPlot(title: "\(name): NLL per walk-forward window").utf8)),
        ]
        return CategoryOutcome(index: index, name: name, result: result, outOfSamplePretrained: forecasts.outOfSamplePretrained,
                               outOfSampleFineTuned: forecasts.outOfSampleFineTuned, checkpoint: pair, files: files)
    }

    /// `checkpoints/<run>/model_finetuned_<K>`.
    func checkpointFiles(_ name: String) -> TrainingCheckpoint {
        TrainingCheckpoint(directory: checkpointDirectory, name: "model_finetuned_\(name)")
    }

    /// Writes one category's checkpoint pair (after `recover()`; then `onCheckpoint`) and its run-folder files (rank 0 only).
    func write(_ outcome: CategoryOutcome, progress: (String) -> Void) throws {
        guard group.isRoot else { return }
        let files = checkpointFiles(outcome.name)
        for action in try files.recover() { progress("finetune: \(checkpointDirectory.path): \(action)") }
        try files.write(outcome.checkpoint)
        onCheckpoint?(outcome.name)
        for file in outcome.files { try AtomicFile.write(file.bytes, to: runDirectory.appendingPathComponent(file.name)) }
    }

    /// Every rank's outcomes (one gather of JSON; doubles round-trip exactly, non-finite ones as strings);
    /// rank 0 writes them in category order.
    func gather(_ mine: [CategoryOutcome], progress: (String) -> Void) throws -> [CategoryOutcome] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let parts = group.allGather(bytes: Array(try encoder.encode(mine)), what: "the gather of fine-tuned categories")
        let all = try parts.flatMap { try decoder.decode([CategoryOutcome].self, from: Data($0)) }.sorted { $0.index < $1.index }
        for outcome in all { try write(outcome, progress: progress) }
        return all
    }
}
