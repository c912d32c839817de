// CPU-bound or file-heavy work off Swift's cooperative pool, on a queue of its own, with cancellation.
import Dispatch
import Foundation
import MarketSupport

/// Runs synchronous work on a dedicated queue so that the server's event handling never waits behind a
/// forecast or a universe load (the cooperative pool has one thread per core: 2 here).
public enum Blocking {
    /// Serialises work that shares state (the models' MC-dropout replicas, the forecast cache).
    public static let serial = DispatchQueue(label: "marketgpt.serve.serial", qos: .userInitiated)
    /// Independent work (file reads, chart rendering).
    public static let concurrent = DispatchQueue(label: "marketgpt.serve.io", qos: .userInitiated, attributes: .concurrent)

    /// `work()` on `queue`; when the calling task is cancelled the wait ends at once with `CancellationError`
    /// (the work itself finishes in the background and its result is dropped).
    public static func run<T>(on queue: DispatchQueue = concurrent, _ work: @escaping () throws -> T) async throws -> T {
        let box = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                box.set(continuation)
                queue.async { box.resume(with: Result { try work() }) }
            }
        } onCancel: {
            box.resume(with: .failure(CancellationError()))
        }
    }
}

/// A continuation resumed at most once, whoever comes first (the work or the cancellation).
private final class ResumeOnce<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        lock.lock()
        if let pending, !done {
            done = true
            lock.unlock()
            continuation.resume(with: pending)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Result<T, any Error>) {
        lock.lock()
        guard !done else { lock.unlock(); return }
        guard let continuation else { pending = result; lock.unlock(); return }
        done = true
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }
}
