// Differentiable forecast losses: Gaussian and Student-t negative log-likelihood, masked/weighted.
import Foundation

/// Default clamp of log-variances in the losses and predictive: exp(±10) spans 4.5e-5 … 2.2e4.
public let defaultLogVarianceRange: ClosedRange<Float> = -10...10

/// Weighted mean Gaussian NLL: Σ wᵢ·½(log σ²ᵢ + (yᵢ − μᵢ)²/σ²ᵢ + log 2π) / Σ wᵢ → scalar.
///
/// - mean, logVariance, target: the same shape, e.g. (B, T, H); `target` needs no gradient.
/// - weight: same shape, ≥ 0 (0 masks an invalid target, < 1 down-weights a synthetic one); nil = all 1.
/// - log σ² is clamped to `logVarianceRange` (no gradient flows through a clamped value).
/// Σ w = 0 gives loss 0 and zero gradients.
public func gaussianNLL(mean: Tensor, logVariance: Tensor, target: Tensor, weight: Tensor? = nil,
                        logVarianceRange: ClosedRange<Float> = defaultLogVarianceRange) -> Tensor {
    forecastNLL(mean: mean, logVariance: logVariance, target: target, weight: weight,
                range: logVarianceRange, degreesOfFreedom: nil)
}

/// Weighted mean Student-t NLL with `degreesOfFreedom` ν, location μ and log scale² (`logVariance`):
/// Σ wᵢ·(log Γ(ν/2) − log Γ((ν+1)/2) + ½log(νπ) + ½log s² + (ν+1)/2·log(1 + (y − μ)²/(ν s²))) / Σ wᵢ.
/// Shapes, weights and clamping as in `gaussianNLL`.
public func studentTNLL(mean: Tensor, logVariance: Tensor, target: Tensor, weight: Tensor? = nil,
                        degreesOfFreedom: Float = 5,
                        logVarianceRange: ClosedRange<Float> = defaultLogVarianceRange) -> Tensor {
    precondition(degreesOfFreedom > 0, "studentTNLL: degrees of freedom must be > 0")
    return forecastNLL(mean: mean, logVariance: logVariance, target: target, weight: weight,
                       range: logVarianceRange, degreesOfFreedom: degreesOfFreedom)
}

private func forecastNLL(mean: Tensor, logVariance: Tensor, target: Tensor, weight: Tensor?,
                         range: ClosedRange<Float>, degreesOfFreedom: Float?) -> Tensor {
    let n = mean.count
    precondition(logVariance.shape == mean.shape && target.count == n && (weight?.count ?? n) == n,
                 "NLL: mean \(mean.shape), logVariance \(logVariance.shape), target \(target.shape), weight \(weight?.shape ?? [])")
    let mu = mean.data, lv = logVariance.data, y = target.data, w = weight?.data
    let lo = range.lowerBound, hi = range.upperBound
    var total: Double = 0, weightSum: Double = 0
    let constant: Double
    if let nu = degreesOfFreedom.map(Double.init) {
        constant = lgamma(nu / 2) - lgamma((nu + 1) / 2) + 0.5 * Foundation.log(nu * Double.pi)
    } else {
        constant = 0.5 * Foundation.log(2 * Double.pi)
    }
    for i in 0..<n {
        let wi = w?[i] ?? 1
        if wi == 0 { continue }
        let l = min(max(lv[i], lo), hi)
        let r = Double(y[i] - mu[i])
        let z2 = r * r * Foundation.exp(-Double(l))
        let term: Double
        if let nu = degreesOfFreedom.map(Double.init) {
            term = 0.5 * Double(l) + (nu + 1) / 2 * Foundation.log1p(z2 / nu)
        } else {
            term = 0.5 * (Double(l) + z2)
        }
        total += Double(wi) * (term + constant)
        weightSum += Double(wi)
    }
    let out = Tensor(uninitializedShape: [], pool: Tensor.pool(of: mean, logVariance))
    out.data[0] = weightSum > 0 ? Float(total / weightSum) : 0
    if Tensor.recordsGradient(mean, logVariance) {
        out.record([mean, logVariance]) { out in
            withExtendedLifetime((target, weight)) {}  // `y` and `w` point into them: keep them alive
            guard weightSum > 0 else { return }
            let g = Float(Double(out.gradBuffer![0]) / weightSum)
            let dmu = mean.requiresGrad ? mean.gradForAccumulation() : nil
            let dlv = logVariance.requiresGrad ? logVariance.gradForAccumulation() : nil
            for i in 0..<n {
                let wi = (w?[i] ?? 1) * g
                if wi == 0 { continue }
                let inside = lv[i] >= lo && lv[i] <= hi
                let l = min(max(lv[i], lo), hi)
                let r = y[i] - mu[i]
                let inv = Foundation.exp(-l)
                let z2 = r * r * inv
                if let nu = degreesOfFreedom {
                    dmu?[i] += wi * (-(nu + 1) * r * inv / (nu + z2))
                    if inside { dlv?[i] += wi * (0.5 - (nu + 1) * z2 / (2 * (nu + z2))) }
                } else {
                    dmu?[i] += wi * (-r * inv)
                    if inside { dlv?[i] += wi * 0.5 * (1 - z2) }
                }
            }
        }
    }
    return out
}
