// Parallel: split a loop over disjoint ranges across the cores (never while OpenBLAS is busy).
import Foundation

/// Small helpers to run kernels over disjoint index ranges on several threads.
public enum Parallel {
    /// Threads used by our own parallel loops (the machine's active cores, at most 8).
    public static let threadCount = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// True inside a worker that already owns a core (data-parallel replicas): kernels then run inline.
    @TaskLocal public static var isSerial = false

    /// Calls `body(range)` for `threadCount` (or fewer) disjoint chunks covering `0..<count`;
    /// runs inline when `count < minimumPerThread * 2`.
    @inline(__always)
    public static func forChunks(_ count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
        let chunks = isSerial ? 1 : min(threadCount, count / max(minimumPerThread, 1))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            body(start..<end)
        }
    }
}
