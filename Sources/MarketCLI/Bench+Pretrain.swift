// `marketgpt bench` suite "pretrain": the pre-training loop on real batches (sampler, batch fill, step) at the reference config.
import Foundation
import MarketData
import MarketPipeline
import MarketModel
import MarketTensor
import MarketTraining

extension BenchSuite {
    /// Loads the real sample (`MARKETGPT_REAL_DATA` or `../shared/data/real`) with its universe, fills
    /// gaps, fits the normaliser on the train split, then times 20 `Trainer` steps (category-weighted
    /// draw, batch fill, forward, backward, clip, AdamW) at the reference model (`ModelSection()`, batch 32).
    /// Reports wall samples/s and samples per CPU-second (the latter is what one idle machine would see
    /// per core-second when the cores are shared). Without the folder the suite reports nothing.
    static let pretrain = BenchSuite(name: "pretrain") {
        guard let folder = BenchSuite.realDataFolder() else {
            FileHandle.standardError.write(Data("bench pretrain: no real data folder (set MARKETGPT_REAL_DATA); skipped\n".utf8))
            return []
        }
        let real = try realUniverse(folder)
        let rate = try pretrainRate(TrainingInputs(loaded: real.filled))
        return [
            BenchFigure(name: "pretrain_samples_per_s", value: rate.wall, unit: "samples/s",
                        target: ">= 335 (real batches; PyTorch 222)"),
            BenchFigure(name: "pretrain_samples_per_cpu_s", value: rate.cpu, unit: "samples/cpu-s",
                        target: ">= 168 (335 on 2 cores)"),
        ]
    }

    /// Wall and CPU samples/s of 20 `Trainer` steps at the reference model (batch 32, global) on the train split of
    /// `inputs` (the pipeline's training inputs, as `pretrain` builds them), with F = the store's feature count, over
    /// `group`'s ranks (`Parallel.threadCount` workers each), and the seconds per step this rank spent in collectives.
    static func pretrainRate(_ inputs: TrainingInputs,
                             group: ProcessGroup = SingleProcess.shared) throws -> (wall: Double, cpu: Double, collectivePerStep: Double) {
        setBLASThreads(Parallel.threadCount)
        let store = inputs.store
        var training = TrainingConfig()
        training.batchSize = 32
        var section = ModelSection()
        section.features = store.featureSet
        let config = try section.modelConfig(assetCount: inputs.idTable.assets.count, categoryCount: inputs.idTable.categories.count)
        let ranges = try DateSplit.pooled(store, fractions: training.split).ranges(store)
        let normalizer = FeatureNormalizer.fitted(store, ranges: ranges.map(\.train))
        let dataset = WindowedDataset(store: store, normalizer: normalizer, ranges: ranges.map(\.train),
                                      contextLength: config.contextLength, horizon: config.horizon)
        let data = try TrainingData(train: dataset, validation: nil, seed: 1, validationWindowCount: 0)
        let trainer = Trainer(model: MarketGPT(config: config, seed: 1), config: training)
        trainer.group = group
        try trainer.train(data, until: 2)
        let collectiveStarted = group.collectiveSeconds
        let steps = 20
        let started = DispatchTime.now().uptimeNanoseconds
        let cpuStarted = BenchSuite.processCPUSeconds()
        try trainer.train(data, until: 2 + steps)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let cpuSeconds = BenchSuite.processCPUSeconds() - cpuStarted
        let samples = Double(steps * training.batchSize)
        return (samples / seconds, samples / cpuSeconds, (group.collectiveSeconds - collectiveStarted) / Double(steps))
    }
}
