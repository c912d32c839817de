// The one monotonic clock of the project (durations, rate limits, timing diagnostics).
import Foundation

/// Seconds of a monotonic clock since an arbitrary origin (differences only).
public func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}
