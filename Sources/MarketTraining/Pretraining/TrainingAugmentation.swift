// Mixup within a category and synthetic batches for one training loop: pure functions of (seed, step), so resume is exact.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// The augmentation of a training loop (`AugmentationConfig`): which steps train on a synthetic batch,
/// and which windows are mixed with a same-category partner and by how much. Every draw comes from a
/// generator seeded by (seed, step), so a resumed run augments exactly like an uninterrupted one.
public struct TrainingAugmentation: Sendable {
    public let config: AugmentationConfig
    public let seed: UInt64
    /// Windows over the synthetic series (whole series; never validation or test data), nil without.
    public let synthetic: WindowedDataset?
    /// Category-weighted draws from `synthetic`.
    public let syntheticSampler: CategoryBalancedSampler?

    /// Throws when `synthetic_share` > 0 but `synthetic` has no windows.
    public init(config: AugmentationConfig, seed: UInt64, synthetic: WindowedDataset?) throws {
        if config.syntheticShare > 0 {
            guard let synthetic, synthetic.windowCount > 0 else {
                throw TrainingError(step: nil, reason: "augmentation.synthetic_share is \(config.syntheticShare) but there are no synthetic training windows")
            }
        }
        self.config = config
        self.seed = seed
        self.synthetic = config.syntheticShare > 0 ? synthetic : nil
        syntheticSampler = self.synthetic.map { CategoryBalancedSampler(dataset: $0, seed: seed ^ 0x5A17_4E71_C000_0001) }
    }

    /// The generator of step `step`, lane `lane` (0: synthetic choice, 1: mixup).
    func generator(step: Int, lane: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: step) &* 0x9E37_79B9_7F4A_7C15) ^ (lane &* 0xD1B5_4A32_D192_ED03))
    }

    /// Fills `batch` for step `step`: the real `windows` of `train`, or for a `synthetic_share` of steps a
    /// batch of synthetic windows; then mixes a `mixup_probability` share of its windows with partners
    /// of the same category (`partner` is scratch space of the same shape).
    public func fill(_ batch: inout Batch, partner: inout Batch, windows: [WindowRef], train: WindowedDataset,
                     sampler: CategoryBalancedSampler, step: Int) {
        var dataset = train, draws = sampler, chosen = windows
        if let synthetic, let syntheticSampler {
            var rng = generator(step: step, lane: 0)
            if unit(rng.next()) < config.syntheticShare {
                dataset = synthetic
                draws = syntheticSampler
                chosen = (0..<windows.count).map { syntheticSampler.window(epoch: step, index: $0) }
            }
        }
        dataset.fill(&batch, windows: chosen)
        guard config.mixupProbability > 0 else { return }
        var rng = generator(step: step, lane: 1)
        var partners = chosen
        var weights = [Float](repeating: 1, count: chosen.count)
        for b in chosen.indices where unit(rng.next()) < config.mixupProbability {
            partners[b] = draws.window(sameCategoryAs: chosen[b], assetBits: rng.next(), startBits: rng.next())
            let u = Self.beta(config.mixupAlpha, &rng)
            weights[b] = Float(max(u, 1 - u))
        }
        guard weights.contains(where: { $0 < 1 }) else { return }
        dataset.fill(&partner, windows: partners)
        Self.mix(&batch, partner, weights: weights)
    }

    /// batch[b] ← λ_b·batch[b] + (1−λ_b)·partner[b] for inputs and targets; mask ← product of both masks.
    static func mix(_ batch: inout Batch, _ partner: Batch, weights: [Float]) {
        let inputsPer = batch.contextLength * batch.featureCount, targetsPer = batch.contextLength * batch.horizon
        batch.inputs.withUnsafeMutableBufferPointer { x in
        batch.targets.withUnsafeMutableBufferPointer { y in
        batch.mask.withUnsafeMutableBufferPointer { m in
        partner.inputs.withUnsafeBufferPointer { px in
        partner.targets.withUnsafeBufferPointer { py in
        partner.mask.withUnsafeBufferPointer { pm in
            for (b, lambda) in weights.enumerated() where lambda < 1 {
                let rest = 1 - lambda
                for i in (b &* inputsPer)..<((b &+ 1) &* inputsPer) { x[i] = lambda * x[i] + rest * px[i] }   // (T, F)
                for i in (b &* targetsPer)..<((b &+ 1) &* targetsPer) {                                        // (T, H)
                    y[i] = lambda * y[i] + rest * py[i]
                    m[i] *= pm[i]
                }
            }
        }}}}}}
    }

    @inline(__always) func unit(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

    /// A Beta(α, α) draw: X / (X + Y) with X, Y ~ Gamma(α).
    static func beta(_ alpha: Double, _ rng: inout RandomGenerator) -> Double {
        let x = gamma(alpha, &rng), y = gamma(alpha, &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// A Gamma(a, 1) draw (Marsaglia–Tsang; a < 1 through Gamma(a+1)·U^(1/a)).
    static func gamma(_ a: Double, _ rng: inout RandomGenerator) -> Double {
        func uniform() -> Double { (Double(rng.next() >> 11) + 0.5) * 0x1p-53 }
        if a < 1 { return gamma(a + 1, &rng) * pow(uniform(), 1 / a) }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            let v = pow(1 + c * z, 3)
            if v > 0 && log(uniform()) < 0.5 * z * z + d - d * v + d * log(v) { return d * v }
        }
    }
}
