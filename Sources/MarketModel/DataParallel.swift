// DataParallel: splits a batch over model replicas, one core each (single-threaded BLAS), and sums gradients.
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// Runs MarketGPT on `workers` threads at once: worker 0 uses `model`, the others a replica whose weights are
/// copied from `model` at every call. Each worker runs its share of the batch with single-threaded BLAS and
/// inline kernels, so every op (not only the GEMMs) uses all cores. Gradients are summed into `model`'s
/// parameters, weighted so that they equal those of the whole batch's weighted-mean loss.
public final class DataParallel {
    /// The model whose parameters receive the gradients (give these to the optimizer).
    public let model: MarketGPT
    let replicas: [MarketGPT]
    /// BLAS threads restored after each parallel call.
    public var blasThreadsOutside: Int
    /// Where the wall time of `lossAndGradients` went (summed over calls; set it to `DataParallelTiming()` to reset).
    public var timing = DataParallelTiming()

    /// `workers` replicas including `model` itself (default: the cores of this machine).
    public init(model: MarketGPT, workers: Int = Parallel.threadCount, blasThreadsOutside: Int = Parallel.threadCount) {
        self.model = model
        self.replicas = (1..<max(1, workers)).map { _ in MarketGPT(config: model.config, seed: 0) }
        self.blasThreadsOutside = blasThreadsOutside
    }

    /// Number of workers.
    public var workerCount: Int { replicas.count + 1 }

    /// Forward + backward of `batch` (needs targets): returns the whole batch's loss value and leaves the
    /// gradient of that loss accumulated (`+=`) in `model.parameters`. Each worker draws its dropout from its
    /// own split of `rng`. Call `optimizer.zeroGrad()` before, then clip and step as usual.
    public func lossAndGradients(_ batch: Batch, mode: DropoutMode, rng: inout RandomGenerator) -> Float {
        let parts = partRanges(batchSize: batch.batchSize, parts: min(workerCount, batch.batchSize))
        let totalWeight = parts.map { weightSum(batch, $0) }.reduce(0, +)
        let rngs = parts.map { _ in rng.split() }
        return Float(lossAndGradients(batch, parts: parts, rngs: rngs, totalWeight: totalWeight, mode: mode).reduce(0, +))
    }

    /// Forward + backward of the sequences `parts` of `batch` (at most `workerCount` ranges, worker k runs
    /// `parts[k]` with dropout from `rngs[k]`), each part's loss weighted by its share of `totalWeight` (the
    /// loss-weight sum of the whole batch, which may be spread over several processes). Accumulates the
    /// gradient of Σ_k share_k · loss_k into `model.parameters` and returns the terms share_k · loss_k.
    /// Data-parallel training over processes calls this with the parts of the global batch its rank owns.
    public func lossAndGradients(_ batch: Batch, parts ranges: [Range<Int>], rngs: [RandomGenerator],
                                 totalWeight: Double, mode: DropoutMode) -> [Double] {
        precondition(ranges.count <= workerCount && rngs.count == ranges.count, "DataParallel: \(ranges.count) parts for \(workerCount) workers")
        if ranges.isEmpty { return [] }
        let start = monotonicSeconds()
        let parts = ranges.map { batch.slice($0) }
        syncReplicas()
        let synced = monotonicSeconds()
        let busy = UnsafeMutableBufferPointer<Double>.allocate(capacity: parts.count)
        busy.initialize(repeating: 0)
        defer { busy.deallocate() }
        let generators = UnsafeMutableBufferPointer<RandomGenerator>.allocate(capacity: parts.count)
        _ = generators.initialize(from: rngs)
        let losses = UnsafeMutableBufferPointer<Double>.allocate(capacity: parts.count)
        losses.initialize(repeating: 0)
        defer { generators.deallocate(); losses.deallocate() }
        let recording = Autograd.isRecording
        runWorkers(parts.count) { k in   // each worker touches only its own slots k
            let begin = monotonicSeconds()
            defer { busy[k] = monotonicSeconds() - begin }
            let worker = k == 0 ? self.model : self.replicas[k - 1]
            if k > 0 { worker.zeroGrad() }
            Autograd.$isRecording.withValue(recording) {
                let loss = worker.loss(parts[k], mode: mode, rng: &generators[k])
                let share = totalWeight > 0 ? weightSum(parts[k]) / totalWeight : 0
                losses[k] = Double(loss.item) * share
                if recording && share > 0 { loss.backward(seed: Tensor([Float(share)], shape: [])) }
            }
        }
        let worked = monotonicSeconds()
        if recording {
            for replica in replicas.prefix(parts.count - 1) {
                Tensor.accumulateGradients(model.parameters, from: replica.parameters)
            }
        }
        let end = monotonicSeconds()
        timing.calls += 1
        timing.total += end - start
        timing.sync += synced - start
        timing.workers += worked - synced
        timing.reduce += end - worked
        if timing.perWorker.count < parts.count { timing.perWorker += Array(repeating: 0, count: parts.count - timing.perWorker.count) }
        for k in 0..<parts.count { timing.perWorker[k] += busy[k] }
        return Array(losses)
    }

    /// MC-dropout predictive with the sequences spread over the workers (see `MarketGPT.predictive`).
    public func predictive(_ batch: Batch, samples: Int, rng: inout RandomGenerator, chunkSize: Int = 128,
                           mode: DropoutMode = .monteCarlo) -> Predictive {
        let parts = split(batch)
        syncReplicas()
        let rngs = UnsafeMutableBufferPointer<RandomGenerator>.allocate(capacity: parts.count)
        _ = rngs.initialize(from: parts.map { _ in rng.split() })
        let results = UnsafeMutableBufferPointer<Predictive?>.allocate(capacity: parts.count)
        results.initialize(repeating: nil)
        defer { rngs.deallocate(); _ = results.deinitialize(); results.deallocate() }
        let recording = Autograd.isRecording, stop = StopFlag.current
        runWorkers(parts.count) { k in   // each worker touches only its own slots k
            let worker = k == 0 ? self.model : self.replicas[k - 1]
            results[k] = Autograd.$isRecording.withValue(recording) {
                StopFlag.$current.withValue(stop) {
                    worker.predictive(parts[k].batch, samples: samples, rng: &rngs[k], chunkSize: chunkSize, mode: mode)
                }
            }
        }
        let done = results.map { $0! }
        var out = Predictive(batchSize: batch.batchSize, horizon: model.config.horizon, mean: done.flatMap(\.mean),
                             aleatoric: done.flatMap(\.aleatoric), epistemic: done.flatMap(\.epistemic))
        out.passes = samples                                       // members (B, P, H): rows in order across the parts
        out.memberLocations = done.flatMap(\.memberLocations)
        out.memberScales = done.flatMap(\.memberScales)
        out.degreesOfFreedom = done.first?.degreesOfFreedom ?? .infinity
        return out
    }

    /// Copies `model`'s weights into every replica.
    func syncReplicas() {
        for replica in replicas { Tensor.assignValues(replica.parameters, from: model.parameters) }
    }

    /// Runs `body(k)` for k in 0..<count on separate threads with 1 BLAS thread and inline kernels each.
    func runWorkers(_ count: Int, _ body: @escaping (Int) -> Void) {
        if count == 1 { body(0); return }
        setBLASThreads(1)
        defer { setBLASThreads(blasThreadsOutside) }
        DispatchQueue.concurrentPerform(iterations: count) { k in
            Parallel.$isSerial.withValue(true) { body(k) }
        }
    }

    /// The batch cut into at most `workerCount` contiguous, non-empty parts.
    func split(_ batch: Batch) -> [(range: Range<Int>, batch: Batch)] {
        partRanges(batchSize: batch.batchSize, parts: min(workerCount, batch.batchSize)).map { ($0, batch.slice($0)) }
    }
}

/// `0..<batchSize` cut into `parts` contiguous ranges: part j is `batchSize·j/parts ..< batchSize·(j+1)/parts`
/// (sizes differ by at most one; empty only when `parts > batchSize`).
public func partRanges(batchSize: Int, parts: Int) -> [Range<Int>] {
    (0..<parts).map { j in (batchSize * j / parts)..<(batchSize * (j + 1) / parts) }
}

/// Σ of the loss weights (`mask`) of the sequences `range` of `batch`, summed in the same order as
/// `weightSum` of the slice, so the two agree bit for bit.
public func weightSum(_ batch: Batch, _ range: Range<Int>) -> Double {
    let per = batch.contextLength * batch.horizon
    return batch.mask[(range.lowerBound * per)..<(range.upperBound * per)].reduce(0) { $0 + Double($1) }
}

/// Σ of the loss weights (`mask`) of `batch`.
func weightSum(_ batch: Batch) -> Double {
    batch.mask.reduce(0) { $0 + Double($1) }
}
