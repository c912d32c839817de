// Pretrainer: one pre-training run over a universe's features — split, normaliser, trainer, monitor, checkpoints, resume.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// Where and how far a pre-training run goes.
public struct PretrainingOptions {
    /// The run config (CLI overrides already applied).
    public var config: TrainingRunConfig
    /// Stop when the step count reaches this (`--steps`; default `training.total_steps`).
    public var stopStep: Int
    /// `checkpoints/<run>/`.
    public var checkpointDirectory: URL
    /// `runs/<run>/` (metrics.jsonl, TensorBoard events); nil: progress display only.
    public var runDirectory: URL?
    /// Continue from the checkpoint pair in `checkpointDirectory`.
    public var resume: Bool
    /// Start again from step 0 even when the run already has a checkpoint or metrics (`--overwrite`);
    /// without it (and without `resume`) an existing run is an error, never silently replaced.
    public var overwrite: Bool
    /// Forces the monitor's display mode (nil: terminal when stderr is a tty).
    public var isTerminal: Bool?
    /// Where progress text goes (default stderr).
    public var output: (String) -> Void
    /// Synthetic series for `augmentation.synthetic_share` (flagged bars, asset ids of their sources,
    /// made from bars before the validation start only), nil without.
    public var syntheticAugmentation: FeatureStore?
    /// Called after each checkpoint write (step) and when the epoch counter moves on (epoch, last
    /// training loss): the hooks of `notify:` events. Default none.
    public var onCheckpoint: ((Int) -> Void)?
    public var onEpoch: ((Int, Double) -> Void)?
    /// The processes training together (default: this one alone). Every rank runs `Pretrainer.run` with the
    /// same options; rank 0 alone takes the run lock, writes checkpoints, metrics, TensorBoard events and
    /// progress and calls the hooks; every rank reads the checkpoint on `resume`.
    public var group: ProcessGroup = SingleProcess.shared
    /// With several ranks: compare the replicas' parameter checksums every this many steps (≥ 1).
    public var replicaCheckEvery = 50

    public init(config: TrainingRunConfig, stopStep: Int? = nil, checkpointDirectory: URL, runDirectory: URL?,
                resume: Bool = false, overwrite: Bool = false, isTerminal: Bool? = nil,
                output: @escaping (String) -> Void = TrainingMonitor.writeToStandardError) {
        self.config = config
        self.stopStep = stopStep ?? config.training.totalSteps
        self.checkpointDirectory = checkpointDirectory
        self.runDirectory = runDirectory
        self.resume = resume
        self.overwrite = overwrite
        self.isTerminal = isTerminal
        self.output = output
    }
}

/// What a pre-training run did.
public struct PretrainingSummary {
    public var stopReason: StopReason
    /// Steps completed (the run's total, resumes included).
    public var step: Int
    /// The step the run resumed from (nil for a fresh run).
    public var resumedFromStep: Int?
    /// Validation NLL at the last step (nil without validation windows).
    public var lastValidationLoss: Double?
    public var bestValidationLoss: Double?
    public var bestStep: Int
    /// Training windows per second over this session's steps (data + forward + backward + update), global batch.
    public var samplesPerSecond: Double
    /// Seconds this rank spent in collectives during the loop (all-reduce plus waiting for other ranks; 0 alone).
    public var collectiveSeconds: Double
    /// Seconds of this session's training loop.
    public var seconds: Double
    /// The earliest validation start and the latest test start over the categories (one-line summaries).
    public var split: DateSplit
    /// The per-category cuts (what the checkpoint records as `train_end.<category>` and the split starts).
    public var categorySplit: CategorySplit
    /// Windows available in train / validation / test.
    public var windowCounts: (train: Int, validation: Int, test: Int)
    /// The checkpoint pair written.
    public var checkpoint: TrainingCheckpoint
    public var parameterCount: Int
}

/// Multi-market pre-training: a date split per category (`CategorySplit`: each category's own
/// train/validation/test dates; test = its last days, never trained on; `train_end.<category>` recorded), a normaliser fitted on the train range only, category-weighted batches, validation
/// with early stopping, the training monitor, and a checkpoint pair every `checkpoint_every` steps
/// and at the end. `resume: true` continues exactly where the last checkpoint left off.
public enum Pretrainer {
    /// Runs (or resumes) pre-training on `store` (features of the gap-filled universe, asset ids =
    /// universe order) whose embedding rows are described by `idTable`.
    public static func run(store: FeatureStore, idTable: EmbeddingIDTable, options: PretrainingOptions) throws -> PretrainingSummary {
        let training = options.config.training
        let modelConfig: ModelConfig
        do {
            modelConfig = try options.config.model.modelConfig(assetCount: idTable.assets.count, categoryCount: idTable.categories.count)
        } catch let error as ConfigValueError {
            throw TrainingError(step: nil, reason: "\(error.keyPath.joined(separator: ".")): \(error.reason)")
        }
        guard store.featureSet == options.config.model.features else {
            throw TrainingError(step: nil, reason: "model.features is [\(options.config.model.features)] but the data holds [\(store.featureSet)]")
        }
        let categorySplit = try CategorySplit.make(store, categoryNames: idTable.categories, fractions: training.split)
        guard let split = categorySplit.envelope else { throw TrainingError(step: nil, reason: "the universe has no bars to split") }
        let ranges = categorySplit.ranges(store)
        let files = TrainingCheckpoint(directory: options.checkpointDirectory)
        let group = options.group
        var lock: RunLock?
        if group.isRoot {
            do { lock = try RunLock.acquire(folder: options.checkpointDirectory, command: "pretrain run '\(training.run)'") } catch let error as RunLockError {
                throw TrainingError(step: nil, reason: error.description)
            }
        }
        defer { lock?.release() }
        if group.isRoot {   // rank 0 alone repairs and checks the run folder; the others wait for it before reading
            for action in try files.recover() { options.output("pretrain: \(files.weightsURL.deletingLastPathComponent().path): \(action)\n") }
        }
        if group.isRoot && !options.resume && !options.overwrite {
            let metrics = options.runDirectory?.appendingPathComponent(TrainingMonitor.metricsFileName)
            if let existing = ([files.weightsURL, files.stateURL] + (metrics.map { [$0] } ?? []))
                .first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
                throw TrainingError(step: nil, reason: "\(existing.path) exists: run '\(training.run)' was already trained; "
                                    + "use --resume to continue it or --overwrite to start it again from step 0")
            }
        }
        if group.size > 1 { _ = group.allGather(0, what: "the start-up barrier (rank 0 checks the run folder)") }
        let trainer: Trainer
        let normalizer: FeatureNormalizer
        var resumedFrom: Int?
        if options.resume {
            guard files.exists else {
                throw TrainingError(step: nil, reason: "--resume: no checkpoint to resume from (\(files.weightsURL.path) and \(files.stateURL.lastPathComponent) needed)")
            }
            let restored = try files.restoreTrainer(config: training)
            guard restored.trainer.model.config == modelConfig else {
                throw TrainingError(step: nil, reason: "--resume: \(files.weightsURL.path) has model config \(restored.trainer.model.config.jsonString()), the config asks for \(modelConfig.jsonString())")
            }
            let trained = try TrainedModel(checkpoint: restored.weights, url: files.weightsURL, model: restored.trainer.model)
            guard trained.idTable == idTable else {
                throw TrainingError(step: nil, reason: "--resume: \(files.weightsURL.path) was trained on another universe (asset/category id tables differ)")
            }
            normalizer = trained.normalizer
            guard normalizer.features == store.featureSet else {
                throw TrainingError(step: nil, reason: "--resume: \(files.weightsURL.path) was trained on features [\(normalizer.features)], the config asks for [\(store.featureSet)]")
            }
            trainer = restored.trainer
            resumedFrom = trainer.state.step
        } else {
            normalizer = FeatureNormalizer.fitted(store, ranges: ranges.map(\.train))
            trainer = Trainer(model: MarketGPT(config: modelConfig, seed: training.seed), config: training)
        }
        trainer.group = group
        trainer.replicaCheckEvery = max(1, options.replicaCheckEvery)
        var train = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.train),
                                    contextLength: modelConfig.contextLength, horizon: modelConfig.horizon)
        train.syntheticTargetWeight = Float(training.syntheticTargetWeight)
        var validation = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.validation),
                                         contextLength: modelConfig.contextLength, horizon: modelConfig.horizon)
        validation.syntheticTargetWeight = Float(training.syntheticTargetWeight)
        let test = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.test),
                                   contextLength: modelConfig.contextLength, horizon: modelConfig.horizon)
        var data = try TrainingData(train: train, validation: validation, seed: training.seed,
                                    validationWindowCount: training.evalBatches * training.batchSize)
        let augmentation = options.config.augmentation
        if augmentation.isEnabled {
            var synthetic: WindowedDataset?
            if let store = options.syntheticAugmentation, augmentation.syntheticShare > 0 {
                var dataset = WindowedDataset(store: store, normalizer: normalizer, ranges: store.assets.map { 0..<$0.count },
                                              contextLength: modelConfig.contextLength, horizon: modelConfig.horizon)
                dataset.syntheticTargetWeight = Float(augmentation.syntheticTargetWeight)
                synthetic = dataset
            }
            data.augmentation = try TrainingAugmentation(config: augmentation, seed: training.seed, synthetic: synthetic)
        }

        var extra = categorySplit.metadata(categoryNames: idTable.categories)
        extra[CheckpointMetadata.Key.run] = training.run
        // The drift gate's reference: each feature's training-range distribution per category.
        extra[FeatureReference.metadataKey] = try FeatureReference.fitted(store, ranges: ranges.map(\.train),
                                                                          categoryNames: idTable.categories).jsonString()
        let metadata = try TrainingCheckpoint.modelMetadata(model: trainer.model, idTable: idTable, normalizer: normalizer,
                                                            step: trainer.state.step, extra: extra)
        let monitor = try TrainingMonitor(runDirectory: group.isRoot ? options.runDirectory : nil,
                                          options: .init(totalSteps: max(options.stopStep, 1), logEvery: training.logEvery,
                                                         isTerminal: options.isTerminal),
                                          resumingAfterStep: resumedFrom, output: group.isRoot ? options.output : { _ in })
        defer { monitor.finish() }
        let started = monotonicSeconds()
        let collectiveStart = group.collectiveSeconds
        let firstStep = trainer.state.step
        var lastValidation: Double?
        var lastCheckpointStep = resumedFrom
        var lastEpoch: Int?
        let reason = try trainer.train(data, until: options.stopStep, afterStep: { report in
            if let loss = report.validationLoss { lastValidation = loss }
            if let previous = lastEpoch, report.epoch != previous, group.isRoot { options.onEpoch?(previous, report.loss) }
            lastEpoch = report.epoch
            try monitor.record(step: report.step, epoch: report.epoch, loss: report.loss, samples: report.samples,
                               learningRate: report.learningRate, gradNorm: report.gradNorm, valLoss: report.validationLoss)
        }, checkpoint: {
            lastCheckpointStep = trainer.state.step
            guard group.isRoot else { return }
            try files.write(trainer, metadata: metadata)
            options.onCheckpoint?(trainer.state.step)
        })
        if group.size > 1 && lastCheckpointStep != trainer.state.step { try trainer.checkReplicas() }   // an early stop's weights
        if lastCheckpointStep != trainer.state.step && group.isRoot {
            try files.write(trainer, metadata: metadata)
            options.onCheckpoint?(trainer.state.step)
        }
        let seconds = monotonicSeconds() - started
        let steps = trainer.state.step - firstStep
        return PretrainingSummary(stopReason: reason, step: trainer.state.step, resumedFromStep: resumedFrom,
                                  lastValidationLoss: lastValidation, bestValidationLoss: trainer.state.bestValidationLoss,
                                  bestStep: trainer.state.bestStep,
                                  samplesPerSecond: seconds > 0 ? Double(steps * training.batchSize) / seconds : 0,
                                  collectiveSeconds: group.collectiveSeconds - collectiveStart,
                                  seconds: seconds, split: split, categorySplit: categorySplit,
                                  windowCounts: (train.windowCount, validation.windowCount, test.windowCount),
                                  checkpoint: files, parameterCount: trainer.model.parameterCount)
    }
}
