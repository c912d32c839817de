// A cooperative stop request for long synchronous work (a forecast whose HTTP request is gone, a server shutting down).
import Foundation

/// Set once by whoever no longer wants the result; read by the work between its steps.
///
/// Synchronous work is given a flag with `StopFlag.$current.withValue(flag) { … }` (a task-local value, which
/// also binds on plain threads for the duration of the closure); loops that can take seconds check
/// `StopFlag.isRequested` between steps and end early. Work that ends early returns an incomplete result:
/// whoever set the flag must discard it (`throwIfRequested()` after the call). With no flag bound nothing
/// ever stops, so every other caller is unaffected.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    /// Asks the work to stop (idempotent, any thread).
    public func stop() { lock.withLock { stopped = true } }

    /// True once `stop()` was called.
    public var isStopped: Bool { lock.withLock { stopped } }

    /// The flag of the work running in this task or on this thread (nil: nobody can stop it).
    @TaskLocal public static var current: StopFlag?

    /// True when the current work has been asked to stop.
    public static var isRequested: Bool { current?.isStopped ?? false }

    /// Throws `CancellationError` when the current work has been asked to stop.
    public static func throwIfRequested() throws {
        if isRequested { throw CancellationError() }
    }
}
