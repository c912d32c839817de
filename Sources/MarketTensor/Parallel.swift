// Parallel: split a loop over disjoint ranges across the cores (never while OpenBLAS is busy).
import Foundation

/// Small helpers to run kernels over disjoint index ranges on several threads.
public enum Parallel {
    /// Threads used by our own parallel loops and data-parallel replicas: `MARKETGPT_THREADS` when set (1…64),
    /// else the active cores (at most 8) shared evenly among the ranks `mpirun` started on this node
    /// (`OMPI_COMM_WORLD_LOCAL_SIZE`), at least 1.
    public static let threadCount = resolvedThreadCount(ProcessInfo.processInfo.environment,
                                                        activeCores: ProcessInfo.processInfo.activeProcessorCount,
                                                        onlineCores: ProcessInfo.processInfo.processorCount)

    /// `threadCount` for an environment and core counts (see there); an unreadable `MARKETGPT_THREADS` is ignored.
    public static func resolvedThreadCount(_ environment: [String: String], activeCores: Int, onlineCores: Int) -> Int {
        if let text = environment["MARKETGPT_THREADS"], let n = Int(text), (1...64).contains(n) { return n }
        var cores = max(1, min(8, activeCores))
        if let text = environment["OMPI_COMM_WORLD_LOCAL_SIZE"], let ranks = Int(text), ranks > 1 {
            cores = min(cores, max(1, onlineCores / ranks))
        }
        return cores
    }

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

    /// Element-wise work over several buffers at once (e.g. every parameter of a model): the concatenation of
    /// `counts.count` arrays (array k has `counts[k]` elements) is cut into `threadCount` (or fewer) contiguous
    /// pieces of about equal size, and `body(k, range)` runs for every array k and part `range` of it, the
    /// pieces on separate threads. Each element is visited exactly once; inline when the total is below
    /// `minimumPerThread * 2`.
    public static func forSpans(_ counts: [Int], minimumPerThread: Int, _ body: (Int, Range<Int>) -> Void) {
        let total = counts.reduce(0, +)
        forChunks(total, minimumPerThread: minimumPerThread) { piece in
            var offset = 0
            for (k, count) in counts.enumerated() {
                let lower = max(piece.lowerBound, offset), upper = min(piece.upperBound, offset &+ count)
                if lower < upper { body(k, (lower &- offset)..<(upper &- offset)) }
                offset &+= count
                if offset >= piece.upperBound { break }
            }
        }
    }
}
