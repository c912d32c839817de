// AdamW optimizer (decoupled weight decay) with saveable moments, and global-norm gradient clipping.
import Foundation
import MarketTensor

/// AdamW (Loshchilov & Hutter) with PyTorch semantics: `p -= lr·wd·p` (decayed parameters only), then
/// the bias-corrected Adam update. Parameters without a gradient this step are skipped.
public final class AdamW {
    /// The optimised parameters, in a fixed order.
    public let parameters: [Tensor]
    /// Whether each parameter gets weight decay (same order as `parameters`).
    public let decays: [Bool]
    /// First moments, one per parameter (same shapes).
    public let firstMoments: [Tensor]
    /// Second moments, one per parameter (same shapes).
    public let secondMoments: [Tensor]
    /// Steps taken (bias correction uses it); restore it together with the moments.
    public var stepCount = 0
    /// Default learning rate (overridden per call by `step(learningRate:)`).
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float

    /// The default decay rule: matrices decay; biases, norms (rank 1) and anything named `embed…` do not.
    public static func defaultDecayRule(_ parameter: Tensor) -> Bool {
        let name = parameter.name ?? ""
        return parameter.rank >= 2 && !name.contains("embed") && !name.contains("norm")
    }

    /// - parameters: tensors with `requiresGrad` (e.g. `model.parameters`); their `name` feeds `decay`.
    /// - decay: which parameters get weight decay (default `defaultDecayRule`).
    public init(parameters: [Tensor], learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                decay: (Tensor) -> Bool = AdamW.defaultDecayRule) {
        self.parameters = parameters
        self.decays = parameters.map(decay)
        self.firstMoments = parameters.map { Tensor.zeros($0.shape) }
        self.secondMoments = parameters.map { Tensor.zeros($0.shape) }
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update of every parameter that has a gradient, at `learningRate` (default: the stored one).
    public func step(learningRate lr: Float? = nil) {
        let lr = lr ?? learningRate
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - Foundation.pow(beta1, t)
        let correction2 = 1 - Foundation.pow(beta2, t)
        let stepSize = lr / correction1
        let invSqrtCorrection2 = 1 / correction2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = epsilon
        let active = parameters.indices.filter { parameters[$0].grad != nil }
        // Element-wise, so the parameters are cut over the cores without changing any value.
        Parallel.forSpans(active.map { parameters[$0].count }, minimumPerThread: 32_768) { k, range in
            let index = active[k], p = parameters[index]
            let g = p.grad!, m = firstMoments[index].data, v = secondMoments[index].data, w = p.data
            let shrink: Float = decays[index] ? 1 - lr * weightDecay : 1
            for i in range {
                let gi = g[i]
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                w[i] = w[i] * shrink - stepSize * mi / ((vi.squareRoot() * invSqrtCorrection2) + eps)
            }
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Moments by name (`<param>.exp_avg`, `<param>.exp_avg_sq`) for a checkpoint; needs named parameters.
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, p) in parameters.enumerated() {
            let name = p.name ?? "param\(i)"
            out[name + ".exp_avg"] = firstMoments[i]
            out[name + ".exp_avg_sq"] = secondMoments[i]
        }
        return out
    }

    /// Restores moments saved by `stateTensors()` (and set `stepCount` yourself); throws on a missing
    /// or mis-shaped entry.
    public func loadState(_ tensors: [String: (shape: [Int], values: [Float])], stepCount: Int) throws {
        for (i, p) in parameters.enumerated() {
            let name = p.name ?? "param\(i)"
            for (suffix, target) in [(".exp_avg", firstMoments[i]), (".exp_avg_sq", secondMoments[i])] {
                guard let entry = tensors[name + suffix] else { throw TensorError.missingTensor(name + suffix) }
                guard entry.shape == target.shape else {
                    throw TensorError.shapeMismatch(name: name + suffix, expected: target.shape, found: entry.shape)
                }
                if let index = entry.values.firstIndex(where: { !$0.isFinite || (suffix == ".exp_avg_sq" && $0 < 0) }) {
                    throw TensorError.malformedFile(file: "optimizer state", reason: "tensor '\(name + suffix)' holds \(entry.values[index]) at element \(index) (moments must be finite, exp_avg_sq ≥ 0)")
                }
                target.assign(entry.values)
            }
        }
        guard stepCount >= 0 else { throw TensorError.malformedFile(file: "optimizer state", reason: "step count \(stepCount) < 0") }
        self.stepCount = stepCount
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before
/// clipping (non-finite norms are returned and nothing is scaled — the caller should skip the step).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad else { continue }
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i &+ 4 <= p.count {
            s0 += g[i] * g[i]; s1 += g[i &+ 1] * g[i &+ 1]; s2 += g[i &+ 2] * g[i &+ 2]; s3 += g[i &+ 3] * g[i &+ 3]
            i &+= 4
        }
        while i < p.count { s0 += g[i] * g[i]; i &+= 1 }
        total += Double((s0 + s1) + (s2 + s3))
    }
    let norm = Float(total.squareRoot())
    if norm.isFinite && norm > maxNorm && maxNorm > 0 {
        let factor = maxNorm / (norm + 1e-6)
        let gradients = parameters.compactMap { p in p.grad.map { (g: $0, count: p.count) } }
        Parallel.forSpans(gradients.map(\.count), minimumPerThread: 65_536) { k, range in
            let g = gradients[k].g
            for i in range { g[i] *= factor }
        }
    }
    return norm
}
