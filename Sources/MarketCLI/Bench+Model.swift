// `marketgpt bench` suite "model": training throughput and nightly MC-dropout inference at the reference config.
import Foundation
import MarketModel
import MarketTensor

extension BenchSuite {
    /// train_samples_per_s (batch 32, forward + backward + clip + AdamW), mc_infer_seconds (615 × 20 passes),
    /// train_peak_rss_mb; reference config, random weights and inputs, 2 BLAS threads.
    static let model = BenchSuite(name: "model") {
        setBLASThreads(2)
        let config = ModelConfig()
        let model = MarketGPT(config: config, seed: 1)
        var rng = RandomGenerator(seed: 2)
        func randomBatch(_ b: Int, targets: Bool) -> ModelBatch {
            let t = config.contextLength, f = config.featureCount, h = config.horizon
            return ModelBatch(batchSize: b, features: (0..<(b * t * f)).map { _ in rng.nextNormal() },
                              assetIds: (0..<b).map { Int32($0 % config.assetCount) },
                              categoryIds: (0..<b).map { Int32($0 % config.categoryCount) },
                              targets: targets ? (0..<(b * t * h)).map { _ in rng.nextNormal() * 0.02 } : nil,
                              weights: targets ? [Float](repeating: 1, count: b * t * h) : nil)
        }
        let batchSize = 32
        let batch = randomBatch(batchSize, targets: true)
        let optimizer = AdamW(parameters: model.parameters, learningRate: 1e-4, weightDecay: 0.1)
        func step() {
            optimizer.zeroGrad()
            let loss = model.loss(batch, mode: .train, rng: &rng)
            loss.backward()
            clipGradientNorm(model.parameters, maxNorm: 1)
            optimizer.step()
        }
        step(); step()
        let steps = 20
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { step() }
        let trainSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024

        let assets = randomBatch(config.assetCount, targets: false)
        let inferStart = DispatchTime.now().uptimeNanoseconds
        _ = model.predictive(assets, samples: 20, rng: &rng)
        let inferSeconds = Double(DispatchTime.now().uptimeNanoseconds - inferStart) / 1e9
        return [
            BenchFigure(name: "train_samples_per_s", value: Double(batchSize * steps) / trainSeconds, unit: "samples/s",
                        target: ">= 335 (PyTorch 222)"),
            BenchFigure(name: "train_peak_rss_mb", value: peakMB, unit: "MB", target: "<= 1024"),
            BenchFigure(name: "mc_infer_seconds", value: inferSeconds, unit: "s", target: "<= 10 (PyTorch 38)"),
        ]
    }
}
