// Differentiable GELU (tanh form), parallel over the cores for large tensors.
import Foundation

/// GELU, tanh approximation: `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`, any shape.
public func gelu(_ x: Tensor) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let xp = x.data, op = out.data
    Parallel.forChunks(x.count, minimumPerThread: 1 << 16) { r in
        geluForward(op + r.lowerBound, xp + r.lowerBound, count: r.count)
    }
    if Tensor.recordsGradient(x) {
        out.record([x]) { out in
            let dout = out.gradBuffer!
            let (dx, accumulate) = x.gradForWrite()
            Parallel.forChunks(x.count, minimumPerThread: 1 << 16) { r in
                geluBackward(dx + r.lowerBound, xp + r.lowerBound, dout + r.lowerBound, count: r.count, accumulate: accumulate)
            }
        }
    }
    return out
}
