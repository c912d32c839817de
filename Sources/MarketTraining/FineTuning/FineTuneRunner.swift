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
    /// of the pretrained weights each time. `idTable` (the universe's) may differ from the checkpoint's
    /// (`UniverseMatch`: assets by ticker, categories by name; an unknown category is an error naming it): an asset the
    /// checkpoint has not seen gets a new asset-embedding row, zero-initialised (so it starts from its zero-shot
    /// forecast), appended to the id table in universe order, and a normaliser fitted on its own bars up to its
    /// category's `train_end` (no scored bar feeds it); a new asset with fewer than T + H bars there is left out of the
    /// run (a progress line names it).
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
        let tuner = WalkForwardFineTuner(store: tuned, normalizer: normalizer, options: options)
        var results: [CategoryWalkForwardResult] = []
        var pooledPretrained = ForecastRows(horizon: loaded.model.config.horizon), pooledFineTuned = pooledPretrained
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        for name in categories {
            guard let categoryID = table.categoryID(of: name), idTable.categoryID(of: name) != nil else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")); "
                                    + "the checkpoint \(table.categories.joined(separator: ", ")))")
            }
            var model = try loaded.freshModel()
            if table.assets.count > model.config.assetCount { model = model.growingAssetRows(to: table.assets.count) }
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
            let metadata = try TrainingCheckpoint.modelMetadata(model: trainer.model, idTable: table, normalizer: normalizer,
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
        var report = WalkForwardReport(run: run, checkpoint: checkpointURL.path, options: options, categories: results,
                                       pooledOutOfSamplePretrained: pooledPretrained.count > 0 ? ForecastEvaluation(pooledPretrained) : nil,
                                       pooledOutOfSampleFineTuned: pooledFineTuned.count > 0 ? ForecastEvaluation(pooledFineTuned) : nil,
                                       seconds: Date().timeIntervalSince(started))
        report.newAssets = added
        try AtomicFile.write(try report.jsonData(), to: runDirectory.appendingPathComponent("report.json"))
        return report
    }
}
