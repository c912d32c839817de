// Differentiable shape ops: reshape (a view), permute, last-position slice, concatenation.
import Foundation

extension Tensor {
    /// The same values seen with another shape of equal count (shares storage; gradient copied back).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let out = Tensor(view: self, shape: newShape)
        if Tensor.recordsGradient(self) {
            out.record([self]) { [unowned self] out in
                let (dx, accumulate) = self.gradForWrite()
                let dout = out.gradBuffer!
                if accumulate { for i in 0..<self.count { dx[i] += dout[i] } } else { dx.update(from: dout, count: self.count) }
            }
        }
        return out
    }

    /// Axes reordered: output dim i is input dim `axes[i]` (a copy), e.g. (B, T, NH, HS) → (B, NH, T, HS)
    /// with `[0, 2, 1, 3]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permuted: \(axes) is not a permutation of \(rank) axes")
        let outShape = axes.map { shape[$0] }
        let out = Tensor(uninitializedShape: outShape, pool: pool)
        var inStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        let strides = axes.map { inStrides[$0] }  // input stride of each output dim
        let map = Tensor.permutationOffsets(outShape, strides)
        let src = data, dst = out.data
        for (o, i) in map.enumerated() { dst[o] = src[i] }
        if Tensor.recordsGradient(self) {
            out.record([self]) { [unowned self] out in
                let dx = self.gradForAccumulation(), dout = out.gradBuffer!
                for (o, i) in map.enumerated() { dx[i] += dout[o] }
            }
        }
        return out
    }

    /// Input offset of every output element for an output shape read with `strides`.
    static func permutationOffsets(_ shape: [Int], _ strides: [Int]) -> [Int] {
        let total = shape.reduce(1, *)
        var offsets = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for o in 0..<total {
            offsets[o] = offset
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return offsets
    }
}

/// The last position along axis 1: x (B, T, C) → (B, C).
public func lastPosition(_ x: Tensor) -> Tensor {
    precondition(x.rank == 3, "lastPosition: expects (B, T, C), got \(x.shape)")
    let b = x.shape[0], t = x.shape[1], c = x.shape[2]
    let out = Tensor(uninitializedShape: [b, c], pool: x.pool)
    for i in 0..<b { (out.data + i &* c).update(from: x.data + (i &* t &+ t &- 1) &* c, count: c) }
    if Tensor.recordsGradient(x) {
        out.record([x]) { out in
            let dx = x.gradForAccumulation(), dout = out.gradBuffer!
            for i in 0..<b {
                let row = dx + ((i &* t &+ t &- 1) &* c), d = dout + i &* c
                for k in 0..<c { row[k] += d[k] }
            }
        }
    }
    return out
}

/// Concatenation along `axis`; all other dims must agree.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat: no tensors")
    let first = tensors[0]
    precondition(axis >= 0 && axis < first.rank, "concat: axis \(axis) for rank \(first.rank)")
    for t in tensors {
        precondition(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == axis || t.shape[$0] == first.shape[$0] },
                     "concat: shapes \(tensors.map(\.shape)) differ off axis \(axis)")
    }
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    let sizes = tensors.map { $0.shape[axis] * inner }  // floats per outer index
    let total = sizes.reduce(0, +)
    var outShape = first.shape
    outShape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
    let out = Tensor(uninitializedShape: outShape, pool: first.pool)
    var offset = 0
    for (t, size) in zip(tensors, sizes) {
        for o in 0..<outer { (out.data + (o &* total &+ offset)).update(from: t.data + o &* size, count: size) }
        offset += size
    }
    if Autograd.isRecording && tensors.contains(where: \.requiresGrad) {
        out.record(tensors) { out in
            let dout = out.gradBuffer!
            var offset = 0
            for (t, size) in zip(tensors, sizes) {
                if t.requiresGrad {
                    let dt = t.gradForAccumulation()
                    for o in 0..<outer {
                        let d = dout + (o &* total &+ offset), g = dt + o &* size
                        for k in 0..<size { g[k] += d[k] }
                    }
                }
                offset += size
            }
        }
    }
    return out
}
