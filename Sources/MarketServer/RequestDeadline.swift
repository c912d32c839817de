// A per-request deadline on a NIO event loop's timer heap, removed the moment the request finishes.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs an operation against a deadline without `Task.sleep`.
///
/// Why not `Task.sleep`: in Swift 6.3 a cancelled `Task.sleep` resumes its caller at once, but the sleep job
/// stays enqueued on the global executor until its deadline (swiftlang/swift PR #89075, open). Racing every
/// request against `Task.sleep(600 s)` therefore kept ≈ 720 bytes per finished request alive for 10 minutes:
/// the server's RSS rose linearly under load (316 → 700 MB in a 5-minute soak with `request_timeout_s: 600`).
///
/// Here the deadline is a NIO scheduled task (`EventLoop.scheduleTask`, a timer in the loop's priority queue);
/// when the operation finishes first, `Scheduled.cancel()` takes the entry out of the queue immediately, so the
/// memory held is bounded by the requests in flight. `pending` counts the armed deadlines (0 when idle).
public enum RequestDeadline {
    /// Deadlines armed and not yet fired or cancelled (across the process).
    public static var pending: Int { armed.withLockedValue { $0 } }
    private static let armed = NIOLockedValueBox(0)

    /// `operation()` raced against `seconds`: its result when it finishes first; otherwise `timeoutError()` is
    /// thrown and the operation's task is cancelled (work that checks `Task.isCancelled` stops early).
    /// With `connection`, the client going away ends the race the same way, throwing `goneError()` (its work
    /// is cancelled at once rather than at the deadline). Cancelling the caller cancels both. The deadline runs on
    /// `loop` (default: NIO's shared event loops, the ones the Hummingbird server uses).
    public static func run<T: Sendable>(seconds: Double,
                                        on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
                                        connection: ClientConnection? = nil,
                                        timeoutError: @escaping @Sendable () -> any Error,
                                        goneError: @escaping @Sendable () -> any Error = { CancellationError() },
                                        _ operation: () async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(operation) { operation in
            let unsafe = UnsafeOperation(operation)
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await unsafe.operation() }
                group.addTask {
                    try await expiry(after: seconds, on: loop, connection: connection, goneError: goneError)
                    throw timeoutError()
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        }
    }

    /// Returns after `seconds`, or throws `CancellationError` as soon as the calling task is cancelled, or
    /// `goneError()` as soon as `connection`'s client goes away (the scheduled timer is then removed from the
    /// loop's queue, and the close action from the connection).
    public static func expiry(after seconds: Double,
                              on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
                              connection: ClientConnection? = nil,
                              goneError: @escaping @Sendable () -> any Error = { CancellationError() }) async throws {
        let timer = Timer()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                timer.arm(continuation, seconds: seconds, on: loop)
                timer.watch(connection, goneError: goneError)
            }
        } onCancel: {
            timer.cancel()
        }
    }

    /// The operation handed to a child task: it does not escape `run` (the group is awaited before it returns).
    private struct UnsafeOperation<T>: @unchecked Sendable {
        let operation: () async throws -> T
        init(_ operation: @escaping () async throws -> T) { self.operation = operation }
    }

    /// One deadline: armed once, then fired, cancelled or ended by the client going away, whichever comes first;
    /// the continuation is resumed exactly once and the count of armed deadlines kept.
    private final class Timer: @unchecked Sendable {
        private enum State {
            case idle
            case armed(CheckedContinuation<Void, any Error>, Scheduled<Void>?)
            case cancelled
            case done
        }
        private let state = NIOLockedValueBox(State.idle)
        /// The connection watched and the token of its close action (removed when the timer finishes).
        private let watched = NIOLockedValueBox<(ClientConnection, Int)?>(nil)

        func arm(_ continuation: CheckedContinuation<Void, any Error>, seconds: Double, on loop: any EventLoop) {
            let armed = state.withLockedValue { state -> Bool in
                guard case .idle = state else { return false }
                state = .armed(continuation, nil)
                return true
            }
            guard armed else { continuation.resume(throwing: CancellationError()); return }   // cancelled before arming
            RequestDeadline.armed.withLockedValue { $0 += 1 }
            let nanoseconds = Int64(min(max(seconds, 0), 1e9) * 1e9)
            let scheduled = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { self.finish(with: nil) }
            let keep = state.withLockedValue { state -> Bool in
                guard case .armed(let continuation, nil) = state else { return false }
                state = .armed(continuation, scheduled)
                return true
            }
            if !keep { scheduled.cancel() }   // fired or cancelled while being scheduled
        }

        func cancel() { finish(with: CancellationError()) }

        /// Ends the timer with `goneError()` when `connection`'s client goes away (at once if it already has).
        func watch(_ connection: ClientConnection?, goneError: @escaping @Sendable () -> any Error) {
            guard let connection else { return }
            guard let token = connection.onClose({ self.finish(with: goneError()) }) else { return }
            watched.withLockedValue { $0 = (connection, token) }
            let stillArmed = state.withLockedValue { state -> Bool in
                if case .armed = state { return true }
                return false
            }
            if !stillArmed { unwatch() }   // finished (or cancelled before arming) while registering
        }

        /// Removes the close action from the watched connection (idempotent).
        private func unwatch() {
            guard let (connection, token) = watched.withLockedValue({ value -> (ClientConnection, Int)? in
                defer { value = nil }
                return value
            }) else { return }
            connection.remove(token)
        }

        /// Resumes the continuation (normally when `error` is nil) and cancels the timer if it is still queued.
        private func finish(with error: (any Error)?) {
            let taken = state.withLockedValue { state -> (CheckedContinuation<Void, any Error>, Scheduled<Void>?)? in
                switch state {
                case .idle:
                    state = .cancelled
                    return nil
                case .armed(let continuation, let scheduled):
                    state = .done
                    return (continuation, scheduled)
                case .cancelled, .done:
                    return nil
                }
            }
            guard let (continuation, scheduled) = taken else { return }
            unwatch()
            RequestDeadline.armed.withLockedValue { $0 -= 1 }
            if error != nil { scheduled?.cancel() }
            if let error { continuation.resume(throwing: error) } else { continuation.resume() }
        }
    }
}
