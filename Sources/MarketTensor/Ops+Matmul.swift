// Differentiable matmul, batched matmul and linear (matmul + bias), all through cblas_sgemm.
import CKernels
import Foundation

/// Matrix product `op(a) · op(b)` with optional transposes (never materialised).
///
/// - `b` of rank 2 (K, N): `a` (…, M, K) has its leading dims folded into M (only when not
///   transposed; a transposed `a` with leading dims is looped over).
/// - `b` of rank ≥ 3: batched, `a` and `b` share the leading (batch) dims.
/// Output: (…, M, N). Backward: dA = dC·op(B)ᵀ, dB = op(A)ᵀ·dC, each one sgemm per batch.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: ranks \(a.shape) · \(b.shape)")
    let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
    let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
    var m = transposeA ? ac : ar
    let k = transposeA ? ar : ac
    let kb = transposeB ? bc : br
    let n = transposeB ? br : bc
    precondition(k == kb, "matmul: inner dimensions differ, \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    var batch = 1
    var strideA = ar * ac, strideB = br * bc
    let lead = Array(a.shape.dropLast(2))
    if b.rank == 2 {
        strideB = 0
        if !transposeA { m *= a.count / max(ar * ac, 1); strideA = 0 } else { batch = a.count / max(ar * ac, 1) }
    } else {
        precondition(Array(b.shape.dropLast(2)) == lead, "matmul: batch dims differ, \(a.shape) · \(b.shape)")
        batch = a.count / max(ar * ac, 1)
    }
    let rowsPerBatch = transposeA || b.rank > 2 ? m : ar
    let outShape = lead + [rowsPerBatch, n]
    let out = Tensor(uninitializedShape: outShape, pool: Tensor.pool(of: a, b))
    let strideC = m * n
    let lda = ac, ldb = bc
    for i in 0..<batch {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
              a: a.data + i * strideA, lda: lda, b: b.data + i * strideB, ldb: ldb,
              beta: 0, c: out.data + i * strideC, ldc: n)
    }
    if Tensor.recordsGradient(a, b) {
        out.record([a, b]) { out in
            let dout = out.gradBuffer!
            if a.requiresGrad {
                let (da, beta) = a.gradForGEMM()
                for i in 0..<batch {
                    if !transposeA {  // dA (M,K) = dC (M,N) · op(B)ᵀ
                        sgemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                              a: dout + i * strideC, lda: n, b: b.data + i * strideB, ldb: ldb,
                              beta: beta, c: da + i * strideA, ldc: lda)
                    } else {          // dA (K,M) = op(B) · dCᵀ
                        sgemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                              a: b.data + i * strideB, lda: ldb, b: dout + i * strideC, ldb: n,
                              beta: beta, c: da + i * strideA, ldc: lda)
                    }
                }
            }
            if b.requiresGrad {
                let (db, beta0) = b.gradForGEMM()
                for i in 0..<batch {
                    let beta: Float = (strideB == 0 && i > 0) ? 1 : beta0
                    if !transposeB {  // dB (K,N) = op(A)ᵀ · dC
                        sgemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                              a: a.data + i * strideA, lda: lda, b: dout + i * strideC, ldb: n,
                              beta: beta, c: db + i * strideB, ldc: ldb)
                    } else {          // dB (N,K) = dCᵀ · op(A)
                        sgemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                              a: dout + i * strideC, lda: n, b: a.data + i * strideA, ldb: lda,
                              beta: beta, c: db + i * strideB, ldc: ldb)
                    }
                }
            }
        }
    }
    return out
}

/// Affine map `x · weightᵀ + bias`: x (…, In), weight (Out, In) (PyTorch layout), bias (Out) or nil.
/// Output (…, Out). On AVX-512 CPUs the three GEMMs run on the linear kernels (`Kernels+Linear.swift`: the bias
/// starts each output's sum, no broadcast pass); elsewhere (or `MARKETGPT_KERNELS=plain`) one sgemm forward (bias
/// pre-filled, beta 1) and two backward. The bias gradient is a column sum either way.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                 "linear: input \(x.shape) vs weight \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    let rows = x.count / max(inFeatures, 1)
    if let bias { precondition(bias.count == outFeatures, "linear: bias \(bias.shape) for \(outFeatures) outputs") }
    let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures], pool: Tensor.pool(of: weight, x))
    let o = out.data
    let fused = linearUsesAVX512
    if fused {
        let packed = Tensor(uninitializedShape: [mg_linear_packed_weight_floats(outFeatures, inFeatures)], pool: out.pool)
        linearForwardAVX512(o, x.data, weight: weight.data, bias: bias.map { UnsafePointer($0.data) },
                            packed: packed.data, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures)
    } else {
        if let bias {
            let bp = bias.data
            for r in 0..<rows { (o + r &* outFeatures).update(from: bp, count: outFeatures) }
        }
        sgemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
              a: x.data, lda: inFeatures, b: weight.data, ldb: inFeatures,
              beta: bias == nil ? 0 : 1, c: o, ldc: outFeatures)
    }
    let needs = bias.map { Tensor.recordsGradient(x, weight, $0) } ?? Tensor.recordsGradient(x, weight)
    if needs {
        out.record(bias.map { [x, weight, $0] } ?? [x, weight]) { out in
            let dout = out.gradBuffer!
            if x.requiresGrad {      // dx (R,In) = dout (R,Out) · W (Out,In)
                let (dx, beta) = x.gradForGEMM()
                if fused {
                    linearBackwardInputAVX512(dx, dout, weight: weight.data, rows: rows, outFeatures: outFeatures,
                                              inFeatures: inFeatures, accumulate: beta != 0)
                } else {
                    sgemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                          a: dout, lda: outFeatures, b: weight.data, ldb: inFeatures, beta: beta, c: dx, ldc: inFeatures)
                }
            }
            let db = bias.flatMap { $0.requiresGrad ? $0.gradForAccumulation() : nil }
            if fused && weight.requiresGrad {  // dW (Out,In) = doutᵀ · x, and db = Σ_rows dout in the same pass
                let (dw, beta) = weight.gradForGEMM()
                linearBackwardWeightAVX512(dw, dbias: db, dout, input: x.data, rows: rows, outFeatures: outFeatures,
                                           inFeatures: inFeatures, accumulate: beta != 0)
                return
            }
            if weight.requiresGrad { // dW (Out,In) = doutᵀ · x
                let (dw, beta) = weight.gradForGEMM()
                sgemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                      a: dout, lda: outFeatures, b: x.data, ldb: inFeatures, beta: beta, c: dw, ldc: inFeatures)
            }
            if let db { columnSumAccumulate(db, dout, rows: rows, columns: outFeatures) }
        }
    }
    return out
}

/// `out[j] += Σ_r input[r, j]` for a (rows, columns) buffer (4 rows at a time, vectorisable).
@inline(__always)
func columnSumAccumulate(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, rows: Int, columns: Int) {
    var r = 0
    while r &+ 4 <= rows {
        let p0 = input + r &* columns, p1 = p0 + columns, p2 = p1 + columns, p3 = p2 + columns
        for j in 0..<columns { out[j] += (p0[j] + p1[j]) + (p2[j] + p3[j]) }
        r &+= 4
    }
    while r < rows {
        let p = input + r &* columns
        for j in 0..<columns { out[j] += p[j] }
        r &+= 1
    }
}
