// Differentiable GELU (tanh form), parallel over the cores for large tensors; AVX2 + FMA kernels when the CPU has them.
import CKernels
import Foundation

/// Whether `gelu` runs the 16-lane C kernels (the AVX2 path is allowed and the CPU has AVX-512; decided once).
let geluUsesAVX512 = mg_kernels_use_avx2() != 0 && mg_cpu_supports_avx512() != 0

/// GELU, tanh approximation: `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`, any shape. Runs the C kernels
/// (`mg_gelu_*_avx2`, fused multiply-adds: within 1e-6 of the Swift kernels) when `mg_kernels_use_avx2()` — on
/// 16 lanes (`mg_gelu_*_avx512`, the same bits) when the CPU has AVX-512 — else the Swift kernels
/// `geluForward`/`geluBackward`.
public func gelu(_ x: Tensor) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let xp = x.data, op = out.data
    Parallel.forChunks(x.count, minimumPerThread: 1 << 16) { r in
        if geluUsesAVX512 {
            mg_gelu_forward_avx512(op + r.lowerBound, xp + r.lowerBound, r.count)
        } else if mg_kernels_use_avx2() != 0 {
            mg_gelu_forward_avx2(op + r.lowerBound, xp + r.lowerBound, r.count)
        } else {
            geluForward(op + r.lowerBound, xp + r.lowerBound, count: r.count)
        }
    }
    if Tensor.recordsGradient(x) {
        out.record([x]) { out in
            let dout = out.gradBuffer!
            let (dx, accumulate) = x.gradForWrite()
            Parallel.forChunks(x.count, minimumPerThread: 1 << 16) { r in
                if geluUsesAVX512 {
                    mg_gelu_backward_avx512(dx + r.lowerBound, xp + r.lowerBound, dout + r.lowerBound, r.count, accumulate ? 1 : 0)
                } else if mg_kernels_use_avx2() != 0 {
                    mg_gelu_backward_avx2(dx + r.lowerBound, xp + r.lowerBound, dout + r.lowerBound, r.count, accumulate ? 1 : 0)
                } else {
                    geluBackward(dx + r.lowerBound, xp + r.lowerBound, dout + r.lowerBound, count: r.count, accumulate: accumulate)
                }
            }
        }
    }
    return out
}
