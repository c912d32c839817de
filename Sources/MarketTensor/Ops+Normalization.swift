// Differentiable LayerNorm and softmax over the last dimension.
import Foundation

/// LayerNorm over the last dim: x (…, C), weight (C), bias (C) → (…, C).
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
    let c = x.shape[x.rank - 1]
    precondition(weight.count == c && bias.count == c, "layerNorm: \(x.shape) with weight \(weight.shape), bias \(bias.shape)")
    let rows = x.count / max(c, 1)
    let pool = Tensor.pool(of: weight, x)
    let out = Tensor(uninitializedShape: x.shape, pool: pool)
    let stats = Tensor(uninitializedShape: [2, rows], pool: pool)  // mean, rstd
    layerNormForward(out.data, stats.data, stats.data + rows, x.data, weight.data, bias.data,
                     rows: rows, columns: c, epsilon: epsilon)
    if Tensor.recordsGradient(x, weight, bias) {
        out.record([x, weight, bias]) { out in
            layerNormBackward(x.requiresGrad ? x.gradForAccumulation() : nil,
                              weight.requiresGrad ? weight.gradForAccumulation() : nil,
                              bias.requiresGrad ? bias.gradForAccumulation() : nil,
                              out.gradBuffer!, x.data, weight.data, stats.data, stats.data + rows, rows: rows, columns: c)
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

/// One softmax row: `out = exp(x − max) / Σ`.
@inline(__always)
func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    var m = -Float.infinity
    for j in 0..<count where x[j] > m { m = x[j] }
    var sum: Float = 0
    for j in 0..<count { let e = fastExp(x[j] - m); out[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<count { out[j] *= inv }
}

/// exp(x) for x ≤ 0 range-reduced to 2^n·p(r) (degree-6 polynomial, rel. error < 2e-7); exp(-∞) = 0.
@inline(__always)
public func fastExp(_ input: Float) -> Float {
    let x = input < -87 ? -87 : (input > 88 ? 88 : input)
    // round to nearest by the 1.5·2^23 trick (inlinable, unlike `rounded()`, which calls rintf)
    let n = (x * 1.44269504088896341 + 12_582_912) - 12_582_912
    let r = (x - n * 0.693359375) - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    let scale = Float(bitPattern: UInt32(bitPattern: (Int32(n) &+ 127) << 23))
    return input < -87 ? 0 : p * scale
}
