// The host's state at the moment of a measurement: its arithmetic ceiling (the FMA peak probe) and its memory
// bandwidth beyond the private caches, on every thread of a figure, so a figure can be read against them.
import CKernels
import Foundation

extension BenchSuite {
    /// GFLOP/s of `threads` cores running `mg_fma_probe` at once (fused multiply-adds on registers only: 16 lanes with
    /// AVX-512, 8 with AVX2 + FMA): total operations over the wall time of the slowest thread, best of
    /// `repetitions` (≈ 0.15 s each on a 110 GFLOP/s core; the best, because one repetition in a few comes out at
    /// half when one thread is held up for its whole length — seen after the 2-thread BLAS run on a 2-vCPU VM).
    static func fmaPeakGFLOPs(threads: Int, repetitions: Int = 5) -> Double {
        let iterations = 40_000_000
        let flops = UnsafeMutablePointer<Double>.allocate(capacity: threads)
        let sinks = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { flops.deallocate(); sinks.deallocate() }
        var rates: [Double] = []
        for _ in 0..<max(repetitions, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { k in flops[k] = mg_fma_probe(iterations, sinks + k) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append((0..<threads).reduce(0.0) { $0 + flops[$1] } / seconds / 1e9)
        }
        return rates.max() ?? 0
    }

    /// GB/s (read + write) of `threads` cores each copying its own `megabytes` MB buffer at once (`memcpy`; the
    /// default 32 MB per core is past the private L2 and, with two cores, past a 32 MB shared L3): bytes moved over
    /// the wall time of the slowest thread, median of `repetitions` after a warm-up copy (`BenchTimer.median`; every
    /// page touched before).
    static func memoryGBps(threads: Int, megabytes: Int = 32, repetitions: Int = 5) -> Double {
        let count = megabytes << 20
        let sources = (0..<threads).map { _ in UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64) }
        let targets = (0..<threads).map { _ in UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64) }
        defer { for p in sources + targets { p.deallocate() } }
        for p in sources + targets { memset(p, 1, count) }
        let seconds = BenchTimer.median(iterations: max(repetitions, 1)) {
            DispatchQueue.concurrentPerform(iterations: threads) { k in memcpy(targets[k], sources[k], count) }
        }
        return Double(2 * count * threads) / seconds / 1e9
    }
}
