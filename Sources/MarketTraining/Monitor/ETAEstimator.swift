// The remaining-time estimate of a run: cumulative average seconds per step since the session began.

/// Estimates the time left as `(elapsed / stepsDone) · stepsLeft`, counting only this session.
///
/// With steady step times the relative error after a fraction f of the run is ~ the relative
/// noise of the mean step time, so it is within 10% long before f = 10% (tested); a resumed
/// session starts its own average, so time spent before the resume does not distort it.
public struct ETAEstimator: Sendable {
    /// The step at which the run ends.
    public let totalSteps: Int
    /// The step count when this session began (0 for a fresh run).
    public let startStep: Int
    /// Clock reading (seconds) when this session began.
    public let startTime: Double

    public init(totalSteps: Int, startStep: Int, startTime: Double) {
        self.totalSteps = totalSteps
        self.startStep = startStep
        self.startTime = startTime
    }

    /// Seconds left to `totalSteps` after `step` steps at clock time `now`; `nil` before any step of
    /// this session, 0 once the run is complete.
    public func secondsRemaining(step: Int, now: Double) -> Double? {
        let done = step - startStep
        guard done > 0 else { return nil }
        let left = max(0, totalSteps - step)
        return (now - startTime) / Double(done) * Double(left)
    }
}
