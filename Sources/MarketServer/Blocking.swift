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
    /// and the work is asked to stop: it runs with a `StopFlag` bound, which cancellation (or `stopAll`) raises,
    /// so loops that check `StopFlag.isRequested` (the forecast's scoring) end early, and work still waiting in
    /// the queue is skipped — a later request does not wait behind a forecast nobody will read.
    public static func run<T>(on queue: DispatchQueue = concurrent, _ work: @escaping () throws -> T) async throws -> T {
        let box = ResumeOnce<T>()
        let flag = StopFlag()
        let id = register(flag)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                box.set(continuation)
                queue.async {
                    defer { unregister(id) }
                    box.resume(with: Result {
                        try StopFlag.$current.withValue(flag) {
                            try StopFlag.throwIfRequested()          // given up while it waited in the queue
                            let value = try work()
                            try StopFlag.throwIfRequested()          // stopped part-way: the result is incomplete
                            return value
                        }
                    })
                }
            }
        } onCancel: {
            flag.stop()
            box.resume(with: .failure(CancellationError()))
        }
    }

    /// Raises the stop flag of all work in flight or queued, and of all work started from now on (the server is
    /// shutting down: graceful shutdown then waits for the requests in flight, which end at once).
    public static func stopAll() {
        let raised = inFlight.withLock { () -> [StopFlag] in
            closing = true
            return Array(flags.values)
        }
        for flag in raised { flag.stop() }
    }

    /// Work items that have not finished (run or queued).
    public static var pendingCount: Int { inFlight.withLock { flags.count } }

    private static let inFlight = NSLock()
    nonisolated(unsafe) private static var flags: [Int: StopFlag] = [:]
    nonisolated(unsafe) private static var nextID = 0
    nonisolated(unsafe) private static var closing = false

    private static func register(_ flag: StopFlag) -> Int {
        let (id, stopNow) = inFlight.withLock { () -> (Int, Bool) in
            nextID += 1
            flags[nextID] = flag
            return (nextID, closing)
        }
        if stopNow { flag.stop() }
        return id
    }

    private static func unregister(_ id: Int) { _ = inFlight.withLock { flags.removeValue(forKey: id) } }
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
