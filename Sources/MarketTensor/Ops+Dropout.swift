// Differentiable inverted dropout with a call-time mode (.train / .eval / .monteCarlo).
import CKernels
import Foundation
import MarketSupport

/// When dropout is active: training, deterministic evaluation, or MC-dropout inference.
public enum DropoutMode: String, Codable, Sendable {
    /// Drop units (training).
    case train
    /// Identity (deterministic evaluation).
    case eval
    /// Drop units at inference, for MC-dropout predictive sampling.
    case monteCarlo

    /// Whether units are dropped in this mode.
    public var drops: Bool { self != .eval }
}

/// Inverted dropout: each group of `groupSize` consecutive elements is kept with probability 1 − p and
/// scaled by 1/(1 − p), else zeroed. `groupSize` 1 is ordinary dropout; `groupSize` T·C on a (B, T, C)
/// tensor drops whole samples (e.g. asset-embedding dropout). Returns `x` itself in `.eval` or when p = 0.
public func dropout(_ x: Tensor, probability p: Float, mode: DropoutMode, rng: inout RandomGenerator,
                    groupSize: Int = 1) -> Tensor {
    precondition(p >= 0 && p < 1, "dropout: probability \(p) outside [0, 1)")
    precondition(groupSize >= 1 && x.count % groupSize == 0, "dropout: group \(groupSize) does not divide \(x.shape)")
    if !mode.drops || p == 0 { return x }
    if groupSize == 1 && mg_kernels_use_avx2() != 0 { return drawnDropout(x, adding: nil, probability: p, rng: &rng) }
    return plainDropout(x, probability: p, rng: &rng, groupSize: groupSize)
}

/// The plain path of `dropout` (Swift loop, any CPU, any group size; p in (0, 1), mode drops): keeps a float mask.
func plainDropout(_ x: Tensor, probability p: Float, rng: inout RandomGenerator, groupSize: Int) -> Tensor {
    let records = Tensor.recordsGradient(x)
    let mask = Tensor(uninitializedShape: records ? x.shape : [1], pool: x.pool)  // kept only for backward
    let maskStride = records ? 1 : 0
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let keepScale = 1 / (1 - p)
    // 16-bit uniform draws (4 per 64-bit output): keep when draw ≥ p·65536
    let threshold = UInt64(min(Double(p) * 65_536.0, 65_535.0).rounded())
    let m = mask.data, xp = x.data, op = out.data
    let groups = x.count / groupSize
    var g = 0
    var bits: UInt64 = 0
    if groupSize == 1 {
        // Four 16-bit draws per 64-bit output, unrolled (the same draws, masks and products as the loop below).
        let full = groups & ~3
        while g < full {
            let word = rng.next()
            let v0: Float = (word & 0xFFFF) >= threshold ? keepScale : 0
            let v1: Float = ((word >> 16) & 0xFFFF) >= threshold ? keepScale : 0
            let v2: Float = ((word >> 32) & 0xFFFF) >= threshold ? keepScale : 0
            let v3: Float = (word >> 48) >= threshold ? keepScale : 0
            if records { m[g] = v0; m[g &+ 1] = v1; m[g &+ 2] = v2; m[g &+ 3] = v3 }
            op[g] = xp[g] * v0; op[g &+ 1] = xp[g &+ 1] * v1; op[g &+ 2] = xp[g &+ 2] * v2; op[g &+ 3] = xp[g &+ 3] * v3
            g &+= 4
        }
        while g < groups {
            if g & 3 == 0 { bits = rng.next() }
            let v: Float = (bits & 0xFFFF) >= threshold ? keepScale : 0
            bits >>= 16
            m[g &* maskStride] = v
            op[g] = xp[g] * v
            g &+= 1
        }
    } else {
        while g < groups {
            if g & 3 == 0 { bits = rng.next() }
            let v: Float = (bits & 0xFFFF) >= threshold ? keepScale : 0
            bits >>= 16
            let base = g &* groupSize
            if records { (m + base).update(repeating: v, count: groupSize) }
            for i in base..<(base &+ groupSize) { op[i] = xp[i] * v }
            g &+= 1
        }
    }
    if records {
        out.record([x]) { out in
            let dout = out.gradBuffer!
            let (dx, accumulate) = x.gradForWrite()
            if accumulate { for i in 0..<x.count { dx[i] += dout[i] * m[i] } }
            else { for i in 0..<x.count { dx[i] = dout[i] * m[i] } }
            _ = mask
        }
    }
    return out
}

/// `residual + dropout(x)` in one pass: residual and x (same shape) → that shape. The same draws, values and
/// gradients as the two ops (bit for bit); one output tensor and one memory sweep instead of two.
/// Pre-LN blocks add every dropped-out branch to the residual stream through this.
public func residualDropout(_ residual: Tensor, _ x: Tensor, probability p: Float, mode: DropoutMode,
                            rng: inout RandomGenerator) -> Tensor {
    precondition(residual.shape == x.shape, "residualDropout: residual \(residual.shape) vs \(x.shape)")
    if mode.drops && p > 0 && mg_kernels_use_avx2() != 0 {
        precondition(p < 1, "dropout: probability \(p) outside [0, 1)")
        return drawnDropout(x, adding: residual, probability: p, rng: &rng)
    }
    return residual + dropout(x, probability: p, mode: mode, rng: &rng)
}

/// The C-kernel path of `dropout` (groups of one; call only when `mg_kernels_use_avx2()`): ⌈count/4⌉ 64-bit draws from `rng` (the Swift loop's draws) are kept as
/// 16-bit draws in place of a float mask (half the bytes), out = (residual +) x·v, v = 1/(1−p) when draw ≥ p·65536.
func drawnDropout(_ x: Tensor, adding residual: Tensor?, probability p: Float, rng: inout RandomGenerator) -> Tensor {
    let count = x.count, words = (count &+ 3) / 4
    let keepScale = 1 / (1 - p)
    let threshold = UInt32(min(Double(p) * 65_536.0, 65_535.0).rounded())
    let pool = residual.map { Tensor.pool(of: x, $0) } ?? x.pool
    let draws = Tensor(uninitializedShape: [words &* 2], pool: pool)   // raw storage: `words` UInt64 draws
    let raw = UnsafeMutableRawPointer(draws.data)
    for w in 0..<words { raw.storeBytes(of: rng.next().littleEndian, toByteOffset: w &* 8, as: UInt64.self) }
    let drawPointer = UnsafeRawPointer(raw).assumingMemoryBound(to: UInt16.self)   // draw 4w+k = bits 16k… of word w
    let out = Tensor(uninitializedShape: x.shape, pool: pool)
    mg_dropout_forward_avx2(out.data, x.data, residual?.data, drawPointer, count, threshold, keepScale)
    let inputs = residual.map { [$0, x] } ?? [x]
    if inputs.contains(where: \.requiresGrad) && Autograd.isRecording {
        out.record(inputs) { out in
            let dout = out.gradBuffer!
            if let residual, residual.requiresGrad {
                let (dr, accumulate) = residual.gradForWrite()
                if accumulate { for i in 0..<count { dr[i] += dout[i] } } else { dr.update(from: dout, count: count) }
            }
            if x.requiresGrad {
                let (dx, accumulate) = x.gradForWrite()
                mg_dropout_backward_avx2(dx, dout, drawPointer, count, threshold, keepScale, accumulate ? 1 : 0)
            }
            _ = draws
        }
    }
    return out
}
