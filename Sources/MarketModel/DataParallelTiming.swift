// Where the wall-clock time of DataParallel's training calls goes: weight copy, each worker, gradient sum.
import Foundation

/// Wall-clock seconds spent in `DataParallel.lossAndGradients`, summed over `calls` (a diagnostic for how long the
/// cores wait on each other: the workers' region lasts as long as the slowest worker, the copy and the sum are the
/// parts outside it). Assign `DataParallelTiming()` before a timed run to reset it.
public struct DataParallelTiming: Sendable, Equatable {
    /// Calls timed.
    public var calls = 0
    /// The whole calls.
    public var total: Double = 0
    /// Copying `model`'s weights into the replicas.
    public var sync: Double = 0
    /// The workers' region, from their start until the last one finished.
    public var workers: Double = 0
    /// Forward + backward of each worker (index k = worker k).
    public var perWorker: [Double] = []
    /// Summing the replicas' gradients into `model`.
    public var reduce: Double = 0

    public init() {}

    /// Fraction of the workers' region the workers sat idle waiting for the slowest one
    /// (1 − mean busy / region; 0 when nothing was timed).
    public var workerWaitFraction: Double {
        guard workers > 0, !perWorker.isEmpty else { return 0 }
        return 1 - perWorker.reduce(0, +) / Double(perWorker.count) / workers
    }

    /// One line in milliseconds per call: total, sync, workers' region (each worker), reduce, wait fraction.
    public var summary: String {
        let n = Double(max(calls, 1))
        func ms(_ s: Double) -> String { String(format: "%.2f", s / n * 1000) }
        return "per call (ms): total \(ms(total)), sync \(ms(sync)), workers \(ms(workers)) "
            + "[\(perWorker.map(ms).joined(separator: ", "))], reduce \(ms(reduce)); "
            + String(format: "workers waiting %.1f %% of their region", workerWaitFraction * 100)
    }
}
