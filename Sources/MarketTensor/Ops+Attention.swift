// Fused causal self-attention over packed q|k|v, with its backward and a naive reference.
import CKernels
import Foundation

/// Causal multi-head self-attention: qkv (B, T, 3C) packed as [q | k | v] with heads of size
/// HS = C / NH inside each → (B, T, C) (heads concatenated). Saves P (B, NH, T, T) for backward; blocks
/// (b, head) run on all cores.
///
/// Two paths: the fused C kernel `mg_attention_forward/backward` (AVX-512 or AVX2, HS ∈ {16, 32, 64}; only the
/// causal half is computed, P stored on and below the diagonal) when `mg_attention_fused_available`, else the
/// plain path: per block S = q·kᵀ/√HS by sgemm, causal softmax (positions j > i masked), out = P·v by sgemm.
/// The two agree to rounding (tested against each other and against `causalSelfAttentionNaive`).
public func causalSelfAttention(_ qkv: Tensor, heads nh: Int) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * nh) == 0, "causalSelfAttention: qkv \(qkv.shape) for \(nh) heads")
    let hs = qkv.shape[2] / 3 / nh
    if mg_attention_fused_available(hs) != 0 { return fusedCausalSelfAttention(qkv, heads: nh) }
    return plainCausalSelfAttention(qkv, heads: nh)
}

/// The fused-kernel path of `causalSelfAttention` (call only when `mg_attention_fused_available(HS)`).
func fusedCausalSelfAttention(_ qkv: Tensor, heads nh: Int) -> Tensor {
    let b = qkv.shape[0], t = qkv.shape[1], c3 = qkv.shape[2], c = c3 / 3, hs = c / nh
    let scale = 1 / Float(hs).squareRoot()
    let out = Tensor(uninitializedShape: [b, t, c], pool: qkv.pool)
    let probs = Tensor(uninitializedShape: [b, nh, t, t], pool: qkv.pool)
    let qp = qkv.data, op = out.data, pp = probs.data
    let workFloats = mg_attention_workspace_floats(t, hs)
    Parallel.forChunks(b * nh, minimumPerThread: 1) { blocks in
        let work = UnsafeMutablePointer<Float>.allocate(capacity: workFloats)
        defer { work.deallocate() }
        for block in blocks {
            let bi = block / nh, h = block % nh
            let q = qp + (bi &* t &* c3 &+ h &* hs)
            mg_attention_forward(op + (bi &* t &* c &+ h &* hs), pp + block &* t &* t, q, q + c, q + 2 &* c,
                                 t, hs, c3, c, scale, work)
        }
    }
    if Tensor.recordsGradient(qkv) {
        out.record([qkv]) { out in
            let dout = out.gradBuffer!
            let (dqkv, beta) = qkv.gradForGEMM()
            Parallel.forChunks(b * nh, minimumPerThread: 1) { blocks in
                let work = UnsafeMutablePointer<Float>.allocate(capacity: workFloats)
                defer { work.deallocate() }
                for block in blocks {
                    let bi = block / nh, h = block % nh
                    let off = bi &* t &* c3 &+ h &* hs
                    let q = qp + off, dq = dqkv + off
                    mg_attention_backward(dq, dq + c, dq + 2 &* c, dout + (bi &* t &* c &+ h &* hs), pp + block &* t &* t,
                                          q, q + c, q + 2 &* c, t, hs, c3, c, scale, beta != 0 ? 1 : 0, work)
                }
            }
            _ = probs
        }
    }
    return out
}

/// The plain path of `causalSelfAttention` (sgemm per block; any head size, any CPU).
func plainCausalSelfAttention(_ qkv: Tensor, heads nh: Int) -> Tensor {
    let b = qkv.shape[0], t = qkv.shape[1], c3 = qkv.shape[2], c = c3 / 3, hs = c / nh
    let scale = 1 / Float(hs).squareRoot()
    let pool = qkv.pool
    let out = Tensor(uninitializedShape: [b, t, c], pool: pool)
    let probs = Tensor(uninitializedShape: [b, nh, t, t], pool: pool)
    let qp = qkv.data, op = out.data, pp = probs.data
    Parallel.forChunks(b * nh, minimumPerThread: 1) { blocks in
        for block in blocks {
            let bi = block / nh, h = block % nh
            let q = qp + (bi &* t &* c3 &+ h &* hs), k = q + c, v = q + 2 &* c
            let att = pp + block &* t &* t
            sgemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, alpha: scale,
                  a: q, lda: c3, b: k, ldb: c3, beta: 0, c: att, ldc: t)
            for i in 0..<t {
                let row = att + i &* t
                softmaxRow(row, row, count: i &+ 1)
                if i &+ 1 < t { (row + (i &+ 1)).update(repeating: 0, count: t &- i &- 1) }
            }
            sgemm(transposeA: false, transposeB: false, m: t, n: hs, k: t,
                  a: att, lda: t, b: v, ldb: c3, beta: 0, c: op + (bi &* t &* c &+ h &* hs), ldc: c)
        }
    }
    if Tensor.recordsGradient(qkv) {
        out.record([qkv]) { out in
            let dout = out.gradBuffer!
            let (dqkv, beta) = qkv.gradForGEMM()
            Parallel.forChunks(b * nh, minimumPerThread: 1) { blocks in
                let dp = UnsafeMutablePointer<Float>.allocate(capacity: t &* t)
                defer { dp.deallocate() }
                for block in blocks {
                    let bi = block / nh, h = block % nh
                    let off = bi &* t &* c3 &+ h &* hs
                    let q = qp + off, k = q + c, v = q + 2 &* c
                    let dq = dqkv + off, dk = dq + c, dv = dq + 2 &* c
                    let att = pp + block &* t &* t
                    let d = dout + (bi &* t &* c &+ h &* hs)
                    // dP (T,T) = dout·vᵀ ; dv = Pᵀ·dout
                    sgemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, a: d, lda: c, b: v, ldb: c3,
                          beta: 0, c: dp, ldc: t)
                    sgemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, a: att, lda: t, b: d, ldb: c,
                          beta: beta, c: dv, ldc: c3)
                    // dS = P ⊙ (dP − Σ_j P·dP) · scale on the causal part, 0 above the diagonal
                    for i in 0..<t {
                        let pr = att + i &* t, dr = dp + i &* t
                        let dot = dotProduct(pr, dr, count: i &+ 1)
                        for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
                        if i &+ 1 < t { (dr + (i &+ 1)).update(repeating: 0, count: t &- i &- 1) }
                    }
                    // dq = dS·k ; dk = dSᵀ·q
                    sgemm(transposeA: false, transposeB: false, m: t, n: hs, k: t, a: dp, lda: t, b: k, ldb: c3,
                          beta: beta, c: dq, ldc: c3)
                    sgemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, a: dp, lda: t, b: q, ldb: c3,
                          beta: beta, c: dk, ldc: c3)
                }
            }
            _ = probs
        }
    }
    return out
}

/// Naive reference of the attention forward (plain loops, Double sums), for tests: qkv (B,T,3C) → (B,T,C).
public func causalSelfAttentionNaive(_ qkv: [Float], batch b: Int, time t: Int, channels c: Int, heads nh: Int) -> [Float] {
    let hs = c / nh, c3 = 3 * c
    var out = [Float](repeating: 0, count: b * t * c)
    for bi in 0..<b {
        for h in 0..<nh {
            for i in 0..<t {
                var scores = [Double](repeating: 0, count: i + 1)
                for j in 0...i {
                    var s: Double = 0
                    for e in 0..<hs {
                        s += Double(qkv[(bi * t + i) * c3 + h * hs + e]) * Double(qkv[(bi * t + j) * c3 + c + h * hs + e])
                    }
                    scores[j] = s / Double(hs).squareRoot()
                }
                let m = scores.max()!
                let ex = scores.map { Foundation.exp($0 - m) }
                let z = ex.reduce(0, +)
                for e in 0..<hs {
                    var acc: Double = 0
                    for j in 0...i { acc += ex[j] / z * Double(qkv[(bi * t + j) * c3 + 2 * c + h * hs + e]) }
                    out[(bi * t + i) * c + h * hs + e] = Float(acc)
                }
            }
        }
    }
    return out
}

/// Inference-only causal attention for the last query position: qkv (B, T, 3C) → (B, C), equal to
/// `lastPosition(causalSelfAttention(qkv, heads:))` at a fraction of the cost (the last query sees every
/// key). Records no backward: call it only inside `Autograd.withoutRecording`.
public func causalSelfAttentionLastQuery(_ qkv: Tensor, heads nh: Int) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * nh) == 0, "causalSelfAttentionLastQuery: qkv \(qkv.shape) for \(nh) heads")
    precondition(!(Autograd.isRecording && qkv.requiresGrad), "causalSelfAttentionLastQuery: inference only (no backward)")
    let b = qkv.shape[0], t = qkv.shape[1], c3 = qkv.shape[2], c = c3 / 3, hs = c / nh
    let scale = 1 / Float(hs).squareRoot()
    let out = Tensor(uninitializedShape: [b, c], pool: qkv.pool)
    let qp = qkv.data, op = out.data
    let scores = UnsafeMutablePointer<Float>.allocate(capacity: t)
    defer { scores.deallocate() }
    for bi in 0..<b {
        let base = qp + bi &* t &* c3
        let q = base + ((t &- 1) &* c3)
        for h in 0..<nh {
            let qh = q + h &* hs
            for j in 0..<t {
                let k = base + (j &* c3 &+ c &+ h &* hs)
                scores[j] = dotProduct(qh, k, count: hs) * scale
            }
            softmaxRow(scores, scores, count: t)
            let o = op + (bi &* c &+ h &* hs)
            o.update(repeating: 0, count: hs)
            for j in 0..<t {
                let v = base + (j &* c3 &+ 2 &* c &+ h &* hs), p = scores[j]
                for e in 0..<hs { o[e] += p * v[e] }
            }
        }
    }
    return out
}

/// Σ a[i]·b[i] with 8-lane accumulators.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i &+ 8 <= count { acc += load8(a + i) * load8(b + i); i &+= 8 }
    var sum = acc.sum()
    while i < count { sum += a[i] * b[i]; i &+= 1 }
    return sum
}
