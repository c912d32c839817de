// Tensor: a contiguous row-major Float32 array with a shape, an optional gradient and its autograd links.
import Foundation
import MarketSupport

/// A contiguous, row-major Float32 tensor.
///
/// Storage is a flat buffer (`data`, `count` floats) read and written through unsafe pointers by the
/// kernels. A tensor with `requiresGrad` takes part in reverse-mode autograd: every op whose input needs
/// a gradient records its backward closure on its output (`parents` + `backwardFunction`), and
/// `backward()` on a scalar runs them in reverse topological order, accumulating (`+=`) into `grad`.
/// Inside `Autograd.withoutRecording { … }` nothing is recorded and no gradient buffer is allocated.
///
/// Memory: op outputs take their storage from the `BufferPool` of their inputs and return it when the
/// tensor is released, so dropping the loss of one step makes all of its buffers reusable by the next.
public final class Tensor {
    /// The dimensions, outermost first, e.g. `[B, T, C]`.
    public let shape: [Int]
    /// Number of elements (product of `shape`; 1 for a scalar with shape `[]`).
    public let count: Int
    /// The values, `count` floats, row-major.
    public let data: UnsafeMutablePointer<Float>
    /// Whether gradients flow into this tensor (parameters, and outputs of ops on them).
    public internal(set) var requiresGrad: Bool
    /// A name for diagnostics and checkpoints (parameters carry their dotted name).
    public var name: String?

    /// Pool the storage came from and returns to (nil: owned allocation).
    public let pool: BufferPool?
    /// A tensor whose storage this one shares (views such as `reshaped`); keeps it alive.
    let base: Tensor?
    var gradBuffer: UnsafeMutablePointer<Float>?
    /// True once `gradBuffer` holds meaningful values (false after `zeroGrad()`: read as zeros).
    var gradValid = false
    /// Inputs of the op that produced this tensor (only when recorded).
    var parents: [Tensor] = []
    /// Propagates this tensor's gradient into its parents' gradients (receives this tensor).
    var backwardFunction: ((Tensor) -> Void)?
    /// True once a backward sweep ran this op's backward and freed its links (see `Tensor.backward()`).
    var graphFreed = false

    /// An uninitialised tensor of `shape`, storage from `pool` when given.
    public init(uninitializedShape shape: [Int], pool: BufferPool? = nil, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.pool = pool
        self.base = nil
        self.requiresGrad = requiresGrad
        self.data = pool?.acquire(count) ?? UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    /// A view of `base`'s storage with another shape of the same element count.
    init(view base: Tensor, shape: [Int]) {
        let count = shape.reduce(1, *)
        precondition(count == base.count, "Tensor: cannot view \(base.shape) as \(shape)")
        self.shape = shape
        self.count = count
        self.pool = base.pool
        self.base = base
        self.requiresGrad = false
        self.data = base.data
    }

    deinit {
        if base == nil {
            if let pool { pool.release(data, count: count) } else { data.deallocate() }
        }
        if let gradBuffer {
            if let pool { pool.release(gradBuffer, count: count) } else { gradBuffer.deallocate() }
        }
    }

    // MARK: factories

    /// A tensor filled with `value`.
    public convenience init(repeating value: Float, shape: [Int], pool: BufferPool? = nil, requiresGrad: Bool = false) {
        self.init(uninitializedShape: shape, pool: pool, requiresGrad: requiresGrad)
        data.update(repeating: value, count: count)
    }

    /// A tensor holding `values` (row-major) with `shape`.
    public convenience init(_ values: [Float], shape: [Int], pool: BufferPool? = nil, requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values for shape \(shape)")
        self.init(uninitializedShape: shape, pool: pool, requiresGrad: requiresGrad)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int], pool: BufferPool? = nil, requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, pool: pool, requiresGrad: requiresGrad)
    }

    /// Ones of `shape`.
    public static func ones(_ shape: [Int], pool: BufferPool? = nil, requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, pool: pool, requiresGrad: requiresGrad)
    }

    /// Normal(`mean`, `std`²) draws from `rng`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator,
                              pool: BufferPool? = nil, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(uninitializedShape: shape, pool: pool, requiresGrad: requiresGrad)
        rng.fillNormal(t.data, count: t.count, mean: mean, std: std)
        return t
    }

    /// Uniform[`low`, `high`) draws from `rng`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator,
                               pool: BufferPool? = nil, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(uninitializedShape: shape, pool: pool, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.data[i] = low + (high - low) * rng.nextUniform() }
        return t
    }

    // MARK: reading

    /// The values as an array (row-major).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor has shape \(shape)")
        return data[0]
    }

    /// Rank (number of dimensions).
    public var rank: Int { shape.count }

    /// The accumulated gradient, or nil when none has been accumulated since the last `zeroGrad()`.
    public var grad: UnsafeMutablePointer<Float>? { gradValid ? gradBuffer : nil }

    /// The gradient as an array (zeros when none has been accumulated).
    public var gradScalars: [Float] {
        guard let g = grad else { return [Float](repeating: 0, count: count) }
        return Array(UnsafeBufferPointer(start: g, count: count))
    }

    /// Copies `values` into the tensor (same count).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "Tensor.assign: \(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Copies another tensor's values (same count) into this one.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "Tensor.assign: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// A tensor sharing this one's values that is cut off from autograd.
    public func detached() -> Tensor { Tensor(view: self, shape: shape) }

    // MARK: gradients

    /// Adds `other`'s gradient (same shape; nothing when it has none) into this tensor's gradient,
    /// e.g. to sum the gradients of data-parallel replicas.
    public func accumulateGradient(from other: Tensor) {
        precondition(other.count == count, "accumulateGradient: \(other.shape) into \(shape)")
        guard let source = other.grad else { return }
        let (g, accumulate) = gradForWrite()
        if accumulate { for i in 0..<count { g[i] += source[i] } } else { g.update(from: source, count: count) }
    }

    /// `targets[k].accumulateGradient(from: sources[k])` for every k, the element-wise adds and copies spread
    /// over the cores (the same values as the one-by-one calls), e.g. to sum a data-parallel replica's gradients.
    public static func accumulateGradients(_ targets: [Tensor], from sources: [Tensor]) {
        precondition(targets.count == sources.count, "accumulateGradients: \(targets.count) targets, \(sources.count) sources")
        var jobs: [(g: UnsafeMutablePointer<Float>, source: UnsafeMutablePointer<Float>, add: Bool, count: Int)] = []
        for (target, source) in zip(targets, sources) {
            precondition(source.count == target.count, "accumulateGradient: \(source.shape) into \(target.shape)")
            guard let s = source.grad else { continue }
            let (g, accumulate) = target.gradForWrite()
            jobs.append((g, s, accumulate, target.count))
        }
        Parallel.forSpans(jobs.map(\.count), minimumPerThread: 65_536) { k, range in
            let job = jobs[k]
            if job.add { for i in range { job.g[i] += job.source[i] } }
            else { (job.g + range.lowerBound).update(from: job.source + range.lowerBound, count: range.count) }
        }
    }

    /// `targets[k].assign(sources[k])` for every k (same counts), the copies spread over the cores.
    public static func assignValues(_ targets: [Tensor], from sources: [Tensor]) {
        precondition(targets.count == sources.count && zip(targets, sources).allSatisfy { $0.count == $1.count },
                     "assignValues: tensors differ in number or size")
        Parallel.forSpans(targets.map(\.count), minimumPerThread: 65_536) { k, range in
            (targets[k].data + range.lowerBound).update(from: sources[k].data + range.lowerBound, count: range.count)
        }
    }

    /// Replaces the gradient with the `count` values at `values` (e.g. gradients summed over processes).
    public func setGradient(_ values: UnsafePointer<Float>) {
        let (g, _) = gradForWrite()
        g.update(from: values, count: count)
    }

    /// Forgets the gradient (it reads as zeros; the buffer is kept for reuse, no memset).
    public func zeroGrad() { gradValid = false }

    /// The gradient buffer ready for `+=` (zero-filled when it held nothing).
    func gradForAccumulation() -> UnsafeMutablePointer<Float> {
        let g = allocateGrad()
        if !gradValid {
            g.update(repeating: 0, count: count)
            gradValid = true
        }
        return g
    }

    /// The gradient buffer and the `beta` to use for an sgemm that accumulates into it
    /// (0 when it held nothing, so the stale contents are ignored without a memset).
    func gradForGEMM() -> (UnsafeMutablePointer<Float>, Float) {
        let g = allocateGrad()
        let beta: Float = gradValid ? 1 : 0
        gradValid = true
        return (g, beta)
    }

    /// The gradient buffer and whether kernels must add (`true`) or may overwrite (`false`).
    func gradForWrite() -> (UnsafeMutablePointer<Float>, accumulate: Bool) {
        let g = allocateGrad()
        let accumulate = gradValid
        gradValid = true
        return (g, accumulate)
    }

    /// Gives the gradient buffer back to the pool (or frees it); the gradient reads as none afterwards.
    func releaseGrad() {
        guard let g = gradBuffer else { return }
        if let pool { pool.release(g, count: count) } else { g.deallocate() }
        gradBuffer = nil
        gradValid = false
    }

    private func allocateGrad() -> UnsafeMutablePointer<Float> {
        if let gradBuffer { return gradBuffer }
        let g = pool?.acquire(count) ?? UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        gradBuffer = g
        return g
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape)\(name.map { " " + $0 } ?? ""): [\(head)\(count > 8 ? ", …" : "")])"
    }
}
