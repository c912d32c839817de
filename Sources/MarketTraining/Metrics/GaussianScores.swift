// Scores of Gaussian predictive distributions: NLL, closed-form CRPS, interval coverage, PIT histogram.

import Foundation
import MarketData

/// Scores of Gaussian forecasts N(μᵢ, σᵢ²) against realised targets yᵢ, on flat parallel arrays.
///
/// Every function takes `target`, `mean` and `variance` (σ², not σ) of equal length and uses only
/// the *valid* entries: finite target, finite mean, finite variance > 0 (a NaN target marks a
/// missing one). Means are over valid entries; with none the result is NaN.
public enum GaussianScores {
    /// Mean negative log-likelihood: ½ [ln(2πσ²) + (y − μ)²/σ²] (nats per target).
    public static func negativeLogLikelihood<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T]) -> Double {
        meanOverValid(target, mean, variance) { y, mu, v in 0.5 * (log(2 * Double.pi * v) + (y - mu) * (y - mu) / v) }
    }

    /// Mean CRPS, closed form for the Gaussian (Gneiting & Raftery 2007), z = (y − μ)/σ:
    /// CRPS = σ [ z (2Φ(z) − 1) + 2φ(z) − 1/√π ] (units of the target; lower is better).
    public static func crps<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T]) -> Double {
        meanOverValid(target, mean, variance) { y, mu, v in
            let sigma = v.squareRoot(), z = (y - mu) / sigma
            return sigma * (z * (2 * NormalDistribution.cdf(z) - 1) + 2 * (exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()) - 1 / Double.pi.squareRoot())
        }
    }

    /// Fraction of targets inside the central `level` interval μ ± Φ⁻¹((1 + level)/2)·σ
    /// (e.g. level 0.9 → ±1.6449σ). A calibrated forecast covers `level` of the targets.
    public static func coverage<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], level: Double) -> Double {
        precondition(level > 0 && level < 1, "coverage level must be in (0, 1), got \(level)")
        let half = NormalDistribution.quantile(0.5 + level / 2)
        return meanOverValid(target, mean, variance) { y, mu, v in abs(y - mu) <= half * v.squareRoot() ? 1 : 0 }
    }

    /// Probability integral transform histogram: the fraction of uᵢ = Φ((yᵢ − μᵢ)/σᵢ) in each of
    /// `bins` equal bins of [0, 1] (bin k holds k/bins ≤ u < (k+1)/bins; u = 1 goes in the last).
    /// Calibrated forecasts give 1/bins in every bin; a ∪ shape means too narrow, ∩ too wide.
    public static func pitHistogram<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], bins: Int = 10) -> [Double] {
        precondition(bins > 0, "bins must be positive")
        checkShapes(target, mean, variance)
        var counts = [Double](repeating: 0, count: bins)
        var total = 0.0
        for i in target.indices {
            let y = Double(target[i]), mu = Double(mean[i]), v = Double(variance[i])
            guard y.isFinite, mu.isFinite, v.isFinite, v > 0 else { continue }
            let u = NormalDistribution.cdf((y - mu) / v.squareRoot())
            counts[min(bins - 1, Int(u * Double(bins)))] += 1
            total += 1
        }
        return counts.map { total > 0 ? $0 / total : .nan }
    }

    /// Number of valid entries (finite target, mean and positive variance).
    public static func validCount<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T]) -> Int {
        checkShapes(target, mean, variance)
        var count = 0
        for i in target.indices where isValid(Double(target[i]), Double(mean[i]), Double(variance[i])) { count += 1 }
        return count
    }

    /// Per-target NLL (NaN where invalid): the loss series a Diebold–Mariano test compares.
    public static func negativeLogLikelihoods<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T]) -> [Double] {
        checkShapes(target, mean, variance)
        return target.indices.map { i in
            let y = Double(target[i]), mu = Double(mean[i]), v = Double(variance[i])
            return isValid(y, mu, v) ? 0.5 * (log(2 * Double.pi * v) + (y - mu) * (y - mu) / v) : .nan
        }
    }

    static func isValid(_ y: Double, _ mu: Double, _ v: Double) -> Bool { y.isFinite && mu.isFinite && v.isFinite && v > 0 }

    static func checkShapes<T>(_ target: [T], _ mean: [T], _ variance: [T]) {
        precondition(target.count == mean.count && target.count == variance.count,
                     "target, mean, variance lengths differ: \(target.count), \(mean.count), \(variance.count)")
    }

    private static func meanOverValid<T: BinaryFloatingPoint>(_ target: [T], _ mean: [T], _ variance: [T],
                                                              _ score: (Double, Double, Double) -> Double) -> Double {
        checkShapes(target, mean, variance)
        var sum = 0.0, count = 0
        for i in target.indices {
            let y = Double(target[i]), mu = Double(mean[i]), v = Double(variance[i])
            guard isValid(y, mu, v) else { continue }
            sum += score(y, mu, v)
            count += 1
        }
        return count > 0 ? sum / Double(count) : .nan
    }
}
