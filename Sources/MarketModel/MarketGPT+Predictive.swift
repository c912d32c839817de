// MC-dropout predictive of MarketGPT: S stochastic passes at the last position → mean and variances.
import Foundation
import MarketTensor

/// Predictive distribution of the next H steps for each sequence, each (B, H) row-major.
public struct Predictive {
    public let batchSize: Int
    public let horizon: Int
    /// Mean over passes of the predicted means μ.
    public let mean: [Float]
    /// Aleatoric variance: mean over passes of σ² (for Student-t: the scale², times ν/(ν−2) when ν > 2).
    public let aleatoric: [Float]
    /// Epistemic variance: variance over passes of μ.
    public let epistemic: [Float]
    /// aleatoric + epistemic.
    public var total: [Float] { zip(aleatoric, epistemic).map { $0 + $1 } }
}

extension MarketGPT {
    /// MC-dropout predictive: `samples` passes in `.monteCarlo` mode (`.eval` when `samples` is 1 and
    /// `deterministicSinglePass`), recording nothing, head only at the last position, sequences in chunks
    /// of `chunkSize`. Returns (B, H) mean, aleatoric and epistemic variance.
    public func predictive(_ batch: ModelBatch, samples: Int, rng: inout RandomGenerator, chunkSize: Int = 128,
                           mode: DropoutMode = .monteCarlo) -> Predictive {
        precondition(samples >= 1, "predictive: samples must be ≥ 1")
        let b = batch.batchSize, h = config.horizon
        let perSequence = batch.features.count / max(b, 1)
        var sumMean = [Double](repeating: 0, count: b * h)
        var sumMeanSquared = [Double](repeating: 0, count: b * h)
        var sumVariance = [Double](repeating: 0, count: b * h)
        let lo = config.minLogVariance, hi = config.maxLogVariance
        let varianceFactor: Double = config.head == .studentT && config.degreesOfFreedom > 2
            ? Double(config.degreesOfFreedom) / Double(config.degreesOfFreedom - 2) : 1
        Autograd.withoutRecording {
            for _ in 0..<samples {
                var start = 0
                while start < b {
                    let end = min(b, start + chunkSize)
                    let chunk = ModelBatch(batchSize: end - start,
                                           features: Array(batch.features[(start * perSequence)..<(end * perSequence)]),
                                           assetIds: Array(batch.assetIds[start..<end]),
                                           categoryIds: Array(batch.categoryIds[start..<end]))
                    let out = forward(chunk, mode: mode, rng: &rng, lastPositionOnly: true)   // (b', H)
                    let mu = out.mean.data, lv = out.logVariance.data
                    for i in 0..<((end - start) * h) {
                        let m = Double(mu[i])
                        let k = start * h + i
                        sumMean[k] += m
                        sumMeanSquared[k] += m * m
                        sumVariance[k] += Foundation.exp(Double(min(max(lv[i], lo), hi))) * varianceFactor
                    }
                    start = end
                }
            }
        }
        let s = Double(samples)
        let mean = sumMean.map { Float($0 / s) }
        let epistemic = (0..<(b * h)).map { k in Float(max(0, sumMeanSquared[k] / s - (sumMean[k] / s) * (sumMean[k] / s))) }
        let aleatoric = sumVariance.map { Float($0 / s) }
        return Predictive(batchSize: b, horizon: h, mean: mean, aleatoric: aleatoric, epistemic: epistemic)
    }
}
