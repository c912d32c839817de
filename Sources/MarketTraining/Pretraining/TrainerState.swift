// TrainerState: everything besides weights and optimizer moments that an exact resume needs.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// Where a training run is: step, dropout RNG, sampler position, early-stopping and non-finite counters.
/// Saved in the training-state file's metadata (every value as a string: integers in decimal, the RNG
/// words in hex, losses as exact bit patterns) so that a resumed run continues bit for bit.
public struct TrainerState: Equatable {
    /// Optimizer steps attempted (1-based after the first step; skipped non-finite steps count too,
    /// so the learning-rate schedule and the batch sequence stay in step).
    public var step = 0
    /// The dropout generator (asset-embedding and block dropout draws).
    public var rng: RandomGenerator
    /// The position of the batch sampler.
    public var sampler = SamplerState()
    /// Best validation NLL so far (nil before the first evaluation).
    public var bestValidationLoss: Double?
    /// Step of `bestValidationLoss`.
    public var bestStep = 0
    /// Evaluations since the last new best (early stopping compares it with the patience).
    public var evaluationsSinceBest = 0
    /// Steps skipped because the loss or gradient was not finite.
    public var nonFiniteSteps = 0

    /// A fresh run's state: the dropout generator is seeded from `seed`.
    public init(seed: UInt64) {
        rng = RandomGenerator(seed: seed ^ 0xD409_0A7E_5EED_0001)
    }

    /// The state as metadata strings (keys prefixed `trainer.`).
    public var metadata: [String: String] {
        var out: [String: String] = [
            "trainer.step": String(step),
            "trainer.rng": rng.state.map { String($0, radix: 16) }.joined(separator: ","),
            "trainer.sampler_epoch": String(sampler.epoch),
            "trainer.sampler_index": String(sampler.index),
            "trainer.best_step": String(bestStep),
            "trainer.evaluations_since_best": String(evaluationsSinceBest),
            "trainer.non_finite_steps": String(nonFiniteSteps),
        ]
        if let best = bestValidationLoss { out["trainer.best_validation_loss_bits"] = String(best.bitPattern, radix: 16) }
        return out
    }

    /// Reads `metadata` (as written by `metadata`); `file` names the source in errors.
    public init(metadata: [String: String], file: String) throws {
        func value(_ key: String) throws -> String {
            guard let text = metadata["trainer." + key] else {
                throw TensorError.malformedFile(file: file, reason: "no 'trainer.\(key)' in __metadata__")
            }
            return text
        }
        func integer(_ key: String) throws -> Int {
            let text = try value(key)
            guard let n = Int(text), n >= 0 else {
                throw TensorError.malformedFile(file: file, reason: "'trainer.\(key)' is not a count: \(text)")
            }
            return n
        }
        let words = try value("rng").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw TensorError.malformedFile(file: file, reason: "'trainer.rng' is not four hex words")
        }
        rng = RandomGenerator(state: words)
        step = try integer("step")
        sampler = SamplerState(epoch: try integer("sampler_epoch"), index: try integer("sampler_index"))
        bestStep = try integer("best_step")
        evaluationsSinceBest = try integer("evaluations_since_best")
        nonFiniteSteps = try integer("non_finite_steps")
        if let bits = metadata["trainer.best_validation_loss_bits"] {
            guard let pattern = UInt64(bits, radix: 16) else {
                throw TensorError.malformedFile(file: file, reason: "'trainer.best_validation_loss_bits' is not hex: \(bits)")
            }
            bestValidationLoss = Double(bitPattern: pattern)
        }
    }
}
