// Trainer+Replicas: one training step spread over the ranks of a ProcessGroup — the global batch's parts, one flat
// gradient all-reduce, distributed validation and the replica checksum.
import Foundation
import MarketData
import MarketModel
import MarketTensor

extension Trainer {
    /// Forward + backward of this rank's share of the global `batch`, then the gradient sum over the ranks.
    ///
    /// The global batch (B sequences, identical on every rank) is cut into P = min(Σ workers, B) contiguous
    /// parts (`partRanges`); part j draws its dropout from the j-th split of `state.rng`, exactly as one
    /// process with P workers would; rank r runs the parts of its own workers (ranks' worker counts in rank
    /// order). Each part's loss is weighted by its share of the whole batch's loss weight, so the sum over
    /// ranks of the gradients (one flat `allReduceSum` holding every parameter's gradient plus one has-gradient
    /// flag per parameter) is the gradient of the global batch-mean loss. The per-part loss terms go through
    /// a second, small all-reduce in which each slot is non-zero on one rank only, so every rank sums the
    /// same terms in the same order as one process would. Returns the global loss.
    func replicatedLossAndGradients(_ batch: Batch, step: Int) -> Float {
        let layout = replicaPartLayout()
        let parts = partRanges(batchSize: batch.batchSize, parts: min(layout.total, batch.batchSize))
        let totalWeight = parts.map { weightSum(batch, $0) }.reduce(0, +)
        let rngs = parts.map { _ in state.rng.split() }
        let lower = min(layout.offset, parts.count)
        let mine = lower..<min(layout.offset + parallel.workerCount, parts.count)
        let local = parallel.lossAndGradients(batch, parts: Array(parts[mine]), rngs: Array(rngs[mine]),
                                              totalWeight: totalWeight, mode: .train)
        var terms = [Double](repeating: 0, count: parts.count)
        for (k, j) in mine.enumerated() { terms[j] = local[k] }
        terms = group.allReduceSum(terms, what: "the loss all-reduce of step \(step)")
        allReduceGradients(what: "the gradient all-reduce of step \(step)")
        return Float(terms.reduce(0, +))
    }

    /// This rank's first part and the total number of parts, from every rank's worker count (one gather, once).
    func replicaPartLayout() -> (offset: Int, total: Int) {
        if let replicaLayout { return replicaLayout }
        let counts = group.allGather(UInt64(parallel.workerCount), what: "the gather of worker counts").map { Int($0) }
        let layout = (offset: counts.prefix(group.rank).reduce(0, +), total: counts.reduce(0, +))
        replicaLayout = layout
        return layout
    }

    /// Sums every parameter's gradient over the ranks in one flat buffer (parameters in `model.parameters`
    /// order, then one has-gradient flag each); afterwards a parameter has a gradient when any rank had one.
    func allReduceGradients(what: String) {
        let parameters = model.parameters
        let total = parameters.reduce(0) { $0 + $1.count }
        var flat = [Float](repeating: 0, count: total + parameters.count)
        flat.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for (i, p) in parameters.enumerated() {
                if let g = p.grad {
                    (buffer.baseAddress! + offset).update(from: g, count: p.count)
                    buffer[total + i] = 1
                }
                offset += p.count
            }
            group.allReduceSum(buffer, what: what)
            offset = 0
            for (i, p) in parameters.enumerated() {
                if buffer[total + i] > 0 { p.setGradient(buffer.baseAddress! + offset) } else { p.zeroGrad() }
                offset += p.count
            }
        }
    }

    /// Validation NLL with the batches spread over the ranks (batch i on rank i mod size); each batch's
    /// (weighted loss, weight) lands in its own slots of one all-reduce, so every rank adds the same terms in
    /// the same order as one process and gets the same value bit for bit.
    func replicatedValidationLoss(_ dataset: WindowedDataset, windows: [WindowRef], batchSize: Int) -> Double {
        let batches = (windows.count + batchSize - 1) / max(batchSize, 1)
        var slots = [Double](repeating: 0, count: 2 * batches)
        var rng = RandomGenerator(seed: 0)   // `.eval` draws nothing
        for i in stride(from: group.rank, to: batches, by: group.size) {
            let chunk = Array(windows[(i * batchSize)..<min((i + 1) * batchSize, windows.count)])
            let batch = dataset.batch(chunk)
            let w = batch.mask.reduce(0.0) { $0 + Double($1) }
            if w > 0 {
                let loss = Autograd.withoutRecording { model.loss(batch, mode: .eval, rng: &rng).item }
                slots[2 * i] = Double(loss) * w
                slots[2 * i + 1] = w
            }
        }
        slots = group.allReduceSum(slots, what: "the validation all-reduce of step \(state.step)")
        var total = 0.0, weight = 0.0
        for i in 0..<batches where slots[2 * i + 1] > 0 {
            total += slots[2 * i]
            weight += slots[2 * i + 1]
        }
        return weight > 0 ? total / weight : .nan
    }

    /// A 64-bit FNV-1a hash of every parameter's bit patterns (in `model.parameters` order): equal on two
    /// replicas exactly when their weights are equal bit for bit (up to hash collisions).
    public func parameterChecksum() -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for p in model.parameters {
            let values = UnsafeBufferPointer(start: p.data, count: p.count)
            for v in values {
                hash = (hash ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3
            }
        }
        return hash
    }

    /// Compares every rank's `parameterChecksum()`; throws a `TrainingError` naming the first rank whose
    /// weights differ from rank 0's (on every rank alike, so the job stops as one).
    public func checkReplicas() throws {
        let sums = group.allGather(parameterChecksum(), what: "the replica checksum of step \(state.step)")
        if let rank = sums.indices.first(where: { sums[$0] != sums[0] }) {
            throw TrainingError(step: state.step, reason: "the model replicas diverged: rank \(rank)'s parameter checksum "
                                + "\(String(sums[rank], radix: 16)) differs from rank 0's \(String(sums[0], radix: 16)) "
                                + "(ranks started from different weights or a collective did not give every rank the same sum)")
        }
    }
}
