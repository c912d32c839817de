// MC-dropout predictive of MarketGPT: S stochastic passes at the last position → mean, variances and the mixture law.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

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
    /// P, the members of the mixture (MC passes × ensemble members); 0 when members were not kept.
    public var passes = 0
    /// (B, P, H) each member's location and scale (σ for a Gaussian head, the t scale for Student-t).
    public var memberLocations: [Float] = [], memberScales: [Float] = []
    /// ν of every member's law (+∞: Gaussian head).
    public var degreesOfFreedom: Double = .infinity
    /// (B, H) the part of `epistemic` between ensemble members (variance of the members' mean μ); the rest
    /// of `epistemic` is within-member MC-dropout spread. Empty for a single model.
    public var betweenMemberVariance: [Float] = []

    public init(batchSize: Int, horizon: Int, mean: [Float], aleatoric: [Float], epistemic: [Float]) {
        self.batchSize = batchSize
        self.horizon = horizon
        self.mean = mean
        self.aleatoric = aleatoric
        self.epistemic = epistemic
    }

    /// The predictive law of sequence `row`, step `step` (0-based): the equal-weight mixture of the P
    /// members (their own Gaussian or Student-t), or, when members were not kept, the one law of the
    /// head's family with the total variance.
    public func law(row: Int, step: Int) -> PredictiveLaw {
        precondition(row >= 0 && row < batchSize && step >= 0 && step < horizon, "Predictive.law: row \(row) step \(step) out of range")
        let family = LawFamily(degreesOfFreedom: degreesOfFreedom)
        guard passes > 0 else {
            let k = row * horizon + step
            return .studentT(mean: Double(mean[k]), variance: Double(aleatoric[k] + epistemic[k]), degreesOfFreedom: degreesOfFreedom)
        }
        let base = row * passes * horizon + step
        return PredictiveLaw(family: family, locations: (0..<passes).map { Double(memberLocations[base + $0 * horizon]) },
                             scales: (0..<passes).map { Double(memberScales[base + $0 * horizon]) })
    }

    /// The mixture of several predictives of the same batch (deep-ensemble members, each with its own MC
    /// passes): members concatenated, mean = mean of means, aleatoric = mean of aleatorics, epistemic =
    /// total variance of all members' μ = between-member part (`betweenMemberVariance`) + mean within-member part.
    public static func mixture(_ parts: [Predictive]) -> Predictive {
        precondition(!parts.isEmpty, "Predictive.mixture: no parts")
        if parts.count == 1 { return parts[0] }
        let b = parts[0].batchSize, h = parts[0].horizon, k = Double(parts.count)
        precondition(parts.allSatisfy { $0.batchSize == b && $0.horizon == h && $0.degreesOfFreedom == parts[0].degreesOfFreedom },
                     "Predictive.mixture: parts differ in shape or law")
        var mean = [Float](repeating: 0, count: b * h), aleatoric = mean, within = mean, between = mean
        for i in 0..<(b * h) {
            var m = 0.0, a = 0.0, w = 0.0, sq = 0.0
            for part in parts {
                m += Double(part.mean[i]); a += Double(part.aleatoric[i]); w += Double(part.epistemic[i])
                sq += Double(part.mean[i]) * Double(part.mean[i])
            }
            m /= k
            mean[i] = Float(m); aleatoric[i] = Float(a / k); within[i] = Float(w / k); between[i] = Float(max(0, sq / k - m * m))
        }
        var out = Predictive(batchSize: b, horizon: h, mean: mean, aleatoric: aleatoric, epistemic: zip(within, between).map { $0 + $1 })
        out.betweenMemberVariance = between
        out.degreesOfFreedom = parts[0].degreesOfFreedom
        if parts.allSatisfy({ $0.passes > 0 }) {
            let p = parts.reduce(0) { $0 + $1.passes }
            out.passes = p
            out.memberLocations.reserveCapacity(b * p * h); out.memberScales.reserveCapacity(b * p * h)
            for row in 0..<b {
                for part in parts {
                    let range = (row * part.passes * h)..<((row + 1) * part.passes * h)
                    out.memberLocations += part.memberLocations[range]; out.memberScales += part.memberScales[range]
                }
            }
        }
        return out
    }
}

extension MarketGPT {
    /// MC-dropout predictive: `samples` passes in `.monteCarlo` mode (`.eval` when `samples` is 1 and
    /// `deterministicSinglePass`), recording nothing, head only at the last position, sequences in chunks
    /// of `chunkSize`. Returns (B, H) mean, aleatoric and epistemic variance, and every pass as a member of
    /// the mixture law (`law(row:step:)`). Ends early, with an incomplete result, when the bound `StopFlag` is
    /// raised (checked before each pass).
    public func predictive(_ batch: Batch, samples: Int, rng: inout RandomGenerator, chunkSize: Int = 128,
                           mode: DropoutMode = .monteCarlo) -> Predictive {
        precondition(samples >= 1, "predictive: samples must be ≥ 1")
        let b = batch.batchSize, h = config.horizon
        var sumMean = [Double](repeating: 0, count: b * h)
        var sumMeanSquared = [Double](repeating: 0, count: b * h)
        var sumVariance = [Double](repeating: 0, count: b * h)
        var memberLocations = [Float](repeating: 0, count: b * samples * h), memberScales = memberLocations   // (B, P, H)
        let lo = config.minLogVariance, hi = config.maxLogVariance
        let varianceFactor: Double = config.head == .studentT && config.degreesOfFreedom > 2
            ? Double(config.degreesOfFreedom) / Double(config.degreesOfFreedom - 2) : 1
        Autograd.withoutRecording {
            for pass in 0..<samples {
                if StopFlag.isRequested { break }                   // the caller discards the result (see `StopFlag`)
                var start = 0
                while start < b {
                    let end = min(b, start + chunkSize)
                    let chunk = start == 0 && end == b ? batch : batch.slice(start..<end, inputsOnly: true)
                    let out = forward(chunk, mode: mode, rng: &rng, lastPositionOnly: true)   // (b', H)
                    let mu = out.mean.data, lv = out.logVariance.data
                    for i in 0..<((end - start) * h) {
                        let m = Double(mu[i])
                        let k = start * h + i
                        sumMean[k] += m
                        sumMeanSquared[k] += m * m
                        let scaleSquared = Foundation.exp(Double(min(max(lv[i], lo), hi)))
                        sumVariance[k] += scaleSquared * varianceFactor
                        let member = ((start + i / h) * samples + pass) * h + i % h
                        memberLocations[member] = mu[i]
                        memberScales[member] = Float(scaleSquared.squareRoot())
                    }
                    start = end
                }
            }
        }
        let s = Double(samples)
        let mean = sumMean.map { Float($0 / s) }
        let epistemic = (0..<(b * h)).map { k in Float(max(0, sumMeanSquared[k] / s - (sumMean[k] / s) * (sumMean[k] / s))) }
        let aleatoric = sumVariance.map { Float($0 / s) }
        var out = Predictive(batchSize: b, horizon: h, mean: mean, aleatoric: aleatoric, epistemic: epistemic)
        out.passes = samples
        out.memberLocations = memberLocations
        out.memberScales = memberScales
        out.degreesOfFreedom = config.head == .studentT ? Double(config.degreesOfFreedom) : .infinity
        return out
    }
}
