// Differentiable LayerNorm and softmax over the last dimension.
import CKernels
import Foundation

/// LayerNorm over the last dim: x (…, C), weight (C), bias (C) → (…, C). The C kernels (`mg_layernorm_*_avx2`)
/// when `mg_kernels_use_avx2()`, else the Swift kernels `layerNormForward`/`layerNormBackward`.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
    let c = x.shape[x.rank - 1]
    precondition(weight.count == c && bias.count == c, "layerNorm: \(x.shape) with weight \(weight.shape), bias \(bias.shape)")
    let rows = x.count / max(c, 1)
    let pool = Tensor.pool(of: weight, x)
    let out = Tensor(uninitializedShape: x.shape, pool: pool)
    let stats = Tensor(uninitializedShape: [2, rows], pool: pool)  // mean, rstd
    let avx2 = mg_kernels_use_avx2() != 0
    if avx2 {
        mg_layernorm_forward_avx2(out.data, stats.data, stats.data + rows, x.data, weight.data, bias.data, rows, c, epsilon)
    } else {
        layerNormForward(out.data, stats.data, stats.data + rows, x.data, weight.data, bias.data,
                         rows: rows, columns: c, epsilon: epsilon)
    }
    if Tensor.recordsGradient(x, weight, bias) {
        out.record([x, weight, bias]) { out in
            let dx = x.requiresGrad ? x.gradForAccumulation() : nil
            let dw = weight.requiresGrad ? weight.gradForAccumulation() : nil
            let db = bias.requiresGrad ? bias.gradForAccumulation() : nil
            if avx2 {
                mg_layernorm_backward_avx2(dx, dw, db, out.gradBuffer!, x.data, weight.data, stats.data, stats.data + rows, rows, c)
            } else {
                layerNormBackward(dx, dw, db, out.gradBuffer!, x.data, weight.data, stats.data, stats.data + rows,
                                  rows: rows, columns: c)
            }
        }
    }
    return out
}

/// Softmax over the last dim (max-subtracted): x (…, D) → (…, D).
public func softmax(_ x: Tensor) -> Tensor {
    let d = x.shape[x.rank - 1]
    let rows = x.count / max(d, 1)
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    for r in 0..<rows { softmaxRow(out.data + r &* d, x.data + r &* d, count: d) }
    if Tensor.recordsGradient(x) {
        out.record([x]) { out in
            let dx = x.gradForAccumulation(), dout = out.gradBuffer!, y = out.data
            for r in 0..<rows {
                let base = r &* d
                var dot: Float = 0
                for j in 0..<d { dot += dout[base &+ j] * y[base &+ j] }
                for j in 0..<d { dx[base &+ j] += y[base &+ j] * (dout[base &+ j] - dot) }
            }
        }
    }
    return out
}

/// One softmax row: `out = exp(x − max) / Σ` (8 lanes at a time; `out` may alias `x`).
@inline(__always)
func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    var m = -Float.infinity
    var j = 0
    if count >= 8 {
        var m8 = SIMD8<Float>(repeating: -.infinity)
        while j &+ 8 <= count {
            let v = load8(x + j)
            m8.replace(with: v, where: v .> m8)
            j &+= 8
        }
        for lane in 0..<8 where m8[lane] > m { m = m8[lane] }
    }
    while j < count { if x[j] > m { m = x[j] }; j &+= 1 }
    var sum8 = SIMD8<Float>(repeating: 0)
    let m8 = SIMD8<Float>(repeating: m)
    j = 0
    while j &+ 8 <= count {
        let e = fastExp8(load8(x + j) - m8)
        store8(out + j, e)
        sum8 += e
        j &+= 8
    }
    var sum = sum8.sum()
    while j < count { let e = fastExp(x[j] - m); out[j] = e; sum += e; j &+= 1 }
    let inv = 1 / sum
    for k in 0..<count { out[k] *= inv }
}

/// `fastExp` on 8 lanes (same polynomial; the 2^n scale built from the rounding trick's bits).
@inline(__always)
func fastExp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87), high = SIMD8<Float>(repeating: 88)
    var x = input
    x.replace(with: low, where: x .< low)
    x.replace(with: high, where: x .> high)
    let shifted = x * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    let r = (x - n * 0.693359375) - n * -2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    let bits = (unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    result.replace(with: SIMD8<Float>(repeating: 0), where: input .< low)
    return result
}

/// exp(x) range-reduced to 2^n·p(r) (degree-6 polynomial, rel. error < 2e-7 on [-87, 88]); exp(x < -87) = 0.
/// Scalar entry to `fastExp8` (used for loop tails).
@inline(__always)
public func fastExp(_ input: Float) -> Float { fastExp8(SIMD8(repeating: input))[0] }
