// DataParallel: splits a batch over model replicas, one core each (single-threaded BLAS), and sums gradients.
import Foundation
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
    public func lossAndGradients(_ batch: ModelBatch, mode: DropoutMode, rng: inout RandomGenerator) -> Float {
        let parts = split(batch)
        syncReplicas()
        let h = model.config.horizon, t = batch.features.count / max(batch.batchSize * model.config.featureCount, 1)
        let totalWeight = parts.map { weightSum($0.batch, t: t, h: h) }.reduce(0, +)
        let rngs = UnsafeMutableBufferPointer<RandomGenerator>.allocate(capacity: parts.count)
        _ = rngs.initialize(from: parts.map { _ in rng.split() })
        let losses = UnsafeMutableBufferPointer<Double>.allocate(capacity: parts.count)
        losses.initialize(repeating: 0)
        defer { rngs.deallocate(); losses.deallocate() }
        let recording = Autograd.isRecording
        runWorkers(parts.count) { k in   // each worker touches only its own slots k
            let worker = k == 0 ? self.model : self.replicas[k - 1]
            if k > 0 { worker.zeroGrad() }
            Autograd.$isRecording.withValue(recording) {
                let loss = worker.loss(parts[k].batch, mode: mode, rng: &rngs[k])
                let share = totalWeight > 0 ? weightSum(parts[k].batch, t: t, h: h) / totalWeight : 0
                losses[k] = Double(loss.item) * share
                if recording && share > 0 { loss.backward(seed: Tensor([Float(share)], shape: [])) }
            }
        }
        if recording {
            for replica in replicas {
                for (p, q) in zip(model.parameters, replica.parameters) { p.accumulateGradient(from: q) }
            }
        }
        return Float(losses.reduce(0, +))
    }

    /// MC-dropout predictive with the sequences spread over the workers (see `MarketGPT.predictive`).
    public func predictive(_ batch: ModelBatch, samples: Int, rng: inout RandomGenerator, chunkSize: Int = 128,
                           mode: DropoutMode = .monteCarlo) -> Predictive {
        let parts = split(batch)
        syncReplicas()
        let rngs = UnsafeMutableBufferPointer<RandomGenerator>.allocate(capacity: parts.count)
        _ = rngs.initialize(from: parts.map { _ in rng.split() })
        let results = UnsafeMutableBufferPointer<Predictive?>.allocate(capacity: parts.count)
        results.initialize(repeating: nil)
        defer { rngs.deallocate(); _ = results.deinitialize(); results.deallocate() }
        let recording = Autograd.isRecording
        runWorkers(parts.count) { k in   // each worker touches only its own slots k
            let worker = k == 0 ? self.model : self.replicas[k - 1]
            results[k] = Autograd.$isRecording.withValue(recording) {
                worker.predictive(parts[k].batch, samples: samples, rng: &rngs[k], chunkSize: chunkSize, mode: mode)
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
        for replica in replicas { for (p, q) in zip(replica.parameters, model.parameters) { p.assign(q) } }
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
    func split(_ batch: ModelBatch) -> [(range: Range<Int>, batch: ModelBatch)] {
        let n = min(workerCount, batch.batchSize)
        return (0..<n).map { k in
            let range = (batch.batchSize * k / n)..<(batch.batchSize * (k + 1) / n)
            return (range, batch.slice(range))
        }
    }
}

/// Σ of the loss weights of `batch` (its target count when it has no weights).
func weightSum(_ batch: ModelBatch, t: Int, h: Int) -> Double {
    if let w = batch.weights { return w.reduce(0) { $0 + Double($1) } }
    return Double(batch.batchSize * t * h)
}

extension ModelBatch {
    /// The sequences in `range` (features, ids, targets and weights cut alike).
    public func slice(_ range: Range<Int>) -> ModelBatch {
        let perFeatures = features.count / max(batchSize, 1)
        let perTarget = (targets?.count ?? 0) / max(batchSize, 1)
        func cut(_ values: [Float], _ per: Int) -> [Float] { Array(values[(range.lowerBound * per)..<(range.upperBound * per)]) }
        return ModelBatch(batchSize: range.count, features: cut(features, perFeatures),
                          assetIds: Array(assetIds[range]), categoryIds: Array(categoryIds[range]),
                          targets: targets.map { cut($0, perTarget) }, weights: weights.map { cut($0, perTarget) })
    }
}
