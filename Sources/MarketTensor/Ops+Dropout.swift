// Differentiable inverted dropout with a call-time mode (.train / .eval / .monteCarlo).
import Foundation

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
    let mask = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let keepScale = 1 / (1 - p)
    let threshold = UInt32(min(Double(p) * 4_294_967_296.0, 4_294_967_295.0))
    let m = mask.data
    let groups = x.count / groupSize
    var g = 0
    while g < groups {
        let bits = rng.next()
        let lo = UInt32(truncatingIfNeeded: bits), hi = UInt32(truncatingIfNeeded: bits >> 32)
        let v0: Float = lo >= threshold ? keepScale : 0
        (m + g &* groupSize).update(repeating: v0, count: groupSize)
        if g &+ 1 < groups {
            let v1: Float = hi >= threshold ? keepScale : 0
            (m + (g &+ 1) &* groupSize).update(repeating: v1, count: groupSize)
        }
        g &+= 2
    }
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let xp = x.data, op = out.data
    for i in 0..<x.count { op[i] = xp[i] * m[i] }
    if Tensor.recordsGradient(x) {
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
