// The learning-rate schedule of training: linear warm-up, then cosine decay.
import Foundation

/// Linear warm-up to `peak` over `warmupSteps`, then cosine decay to `minimum` at `totalSteps`
/// (constant `minimum` afterwards). Steps count from 0.
public struct WarmupCosineSchedule: Codable, Equatable, Sendable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, minimum: Float = 0, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// Learning rate for optimizer step `step` (0-based).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = min(max(Float(step - warmupSteps) / Float(span), 0), 1)
        return minimum + 0.5 * (peak - minimum) * (1 + Foundation.cos(Float.pi * progress))
    }
}
