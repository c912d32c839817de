// Runs async work to completion from synchronous code (the CLI's commands are synchronous).
import Foundation

/// Blocks the calling (non-async) thread until `body` finishes; the work runs on the cooperative pool.
public enum AsyncBridge {
    public static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
