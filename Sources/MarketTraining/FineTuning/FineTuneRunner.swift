// FineTuneRunner: `marketgpt finetune` as a library call — load the checkpoint, walk each category forward, write every output.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// One fine-tuning run over one or more categories, writing:
/// - `checkpointDirectory/model_finetuned_<K>.safetensors` (+ `.state.safetensors`), same format as pre-training,
///   with extra metadata `finetune.category`, `finetune.oos_start`, `finetune.from`, and the `calibration`
///   (`PredictiveCalibration.fineTuned`: the starting checkpoint's entry verbatim when the fall-back gate returned the
///   starting weights, else refitted on the walk-forward windows when the start was calibrated);
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
    /// of the pretrained weights each time. `idTable` (the universe's) may differ from the checkpoint's
    /// (`UniverseMatch`: assets by ticker, categories by name; an unknown category is an error naming it): an asset the
    /// checkpoint has not seen gets a new asset-embedding row, zero-initialised (so it starts from its zero-shot
    /// forecast), appended to the id table in universe order, and a normaliser fitted on its own bars up to its
    /// category's `train_end` (no scored bar feeds it); a new asset with fewer than T + H bars there is left out of the
    /// run (a progress line names it).
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
        try loaded.requireFeatures(store.featureSet, file: checkpointURL.path)
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: loaded.idTable.categories)
        let match = try UniverseMatch.match(store, universe: idTable, checkpoint: loaded.idTable)
        var table = loaded.idTable, normalizer = loaded.normalizer
        let t = loaded.config.contextLength, h = loaded.config.horizon
        // New assets in universe order: a row each (id = the table's next), or left out of this run when too short.
        var tuned = match.store, added: [String] = [], leftOut: [String] = [], drop: [Int] = []
        for i in tuned.assets.indices.sorted(by: { tuned.assets[$0].assetID < tuned.assets[$1].assetID })
        where tuned.assets[i].assetID >= loaded.idTable.assets.count {
            let ticker = match.tickers[i], category = table.categories[tuned.assets[i].categoryID]
            guard let end = cuts.trainEnd[category] else {
                throw TrainingError(step: nil, reason: "new asset '\(ticker)': \(checkpointURL.path) records no train_end.\(category), so its normaliser cannot be fitted without look-ahead")
            }
            let fitEnd = tuned.assets[i].firstIndex(onOrAfter: end + 1)
            guard fitEnd >= t + h else {
                leftOut.append("\(ticker) (\(fitEnd) bars up to train_end.\(category) \(CivilDate.isoString(end)), \(t + h) needed)")
                drop.append(i)
                continue
            }
            tuned.assets[i].assetID = table.assets.count
            normalizer.fit(tuned.assets[i], range: 0..<fitEnd)
            table.assets.append(.init(ticker: ticker, category: tuned.assets[i].categoryID))
            added.append(ticker)
        }
        for i in drop.reversed() { tuned.assets.remove(at: i) }
        if !added.isEmpty {
            progress("finetune: \(added.count) asset(s) new to the checkpoint get zero-initialised embedding rows "
                     + "\(loaded.idTable.assets.count)…\(table.assets.count - 1) (normaliser fitted up to their category's train_end): \(added.joined(separator: ", "))")
        }
        if !leftOut.isEmpty {
            progress("finetune: left out (too little history before the checkpoint's cut to fit a normaliser without look-ahead; evaluate forecasts them zero-shot): \(leftOut.joined(separator: "; "))")
        }
        let categoryIDs = try categories.map { name -> Int in
            guard let id = table.categoryID(of: name), idTable.categoryID(of: name) != nil else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")); "
                                    + "the checkpoint \(table.categories.joined(separator: ", ")))")
            }
            return id
        }
        if group.isRoot { try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true) }
        var outcomes: [CategoryOutcome] = []
        for (index, name) in categories.enumerated() where index % group.size == group.rank {
            let outcome = try fineTune(name, index: index, categoryID: categoryIDs[index], loaded: loaded, store: tuned,
                                       idTable: table, normalizer: normalizer, progress: progress)
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
        var report = WalkForwardReport(run: run, checkpoint: checkpointURL.path, options: options, categories: results,
                                       pooledOutOfSamplePretrained: pooledPretrained.count > 0 ? ForecastEvaluation(pooledPretrained) : nil,
                                       pooledOutOfSampleFineTuned: pooledFineTuned.count > 0 ? ForecastEvaluation(pooledFineTuned) : nil,
                                       seconds: Date().timeIntervalSince(started))
        report.newAssets = added
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
    /// `idTable`/`normalizer`: the checkpoint's, grown by the universe's new assets (`store` carries their new ids).
    func fineTune(_ name: String, index: Int, categoryID: Int, loaded: TrainedModel, store: FeatureStore, idTable: EmbeddingIDTable,
                  normalizer: FeatureNormalizer, progress: @escaping (String) -> Void) throws -> CategoryOutcome {
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        let tuner = WalkForwardFineTuner(store: store, normalizer: normalizer, options: options)
        var model = try loaded.freshModel()
        if idTable.assets.count > model.config.assetCount { model = model.growingAssetRows(to: idTable.assets.count) }
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
        // Fell back: the starting weights, so the starting calibration — its metadata entry verbatim (the same bytes).
        // Kept: a calibration of the same method refitted on the kept weights' held-out tail, else the windows' rows (when the start had one).
        if result.fellBack == true {
            extra[PredictiveCalibration.metadataKey] = loaded.checkpoint.metadata[PredictiveCalibration.metadataKey]
        } else {
            var windows = ForecastRows(horizon: loaded.config.horizon)
            for rows in forecasts.windows { windows.append(rows) }
            let starting = try PredictiveCalibration.read(loaded.checkpoint.metadata, file: checkpointURL.path)
            if let calibration = PredictiveCalibration.fineTuned(from: starting, fellBack: false, windows: windows,
                                                                 heldOutTail: forecasts.heldOutTail, category: name,
                                                                 categoryNames: idTable.categories) {
                extra[PredictiveCalibration.metadataKey] = try calibration.jsonString()
            }
        }
        let metadata = try TrainingCheckpoint.modelMetadata(model: trainer.model, idTable: idTable, normalizer: normalizer,
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
