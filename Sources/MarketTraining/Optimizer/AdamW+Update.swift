// AdamW's element-wise update on 16 lanes at a time (the scalar formula per lane: the same bits, no fused multiply-add).

/// The per-step scalars of one parameter's AdamW update.
struct AdamWConstants {
    var beta1: Float
    var beta2: Float
    var epsilon: Float
    /// `1 − lr·weightDecay` for decayed parameters, else 1.
    var shrink: Float
    /// `lr / (1 − beta1^t)`.
    var stepSize: Float
    /// `1 / √(1 − beta2^t)`.
    var invSqrtCorrection2: Float
}

/// For i in `range`: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; w = w·shrink − stepSize·m / (√v·c2 + ε) — each lane
/// the scalar expression in the same order (`adamWUpdateScalar` is the reference), 16 lanes at a time.
func adamWUpdate(weight w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, first m: UnsafeMutablePointer<Float>,
                 second v: UnsafeMutablePointer<Float>, range: Range<Int>, constants c: AdamWConstants) {
    typealias V = SIMD16<Float>
    let b1 = V(repeating: c.beta1), b2 = V(repeating: c.beta2), oneMinusB1 = V(repeating: 1 - c.beta1)
    let oneMinusB2 = V(repeating: 1 - c.beta2), shrink = V(repeating: c.shrink), step = V(repeating: c.stepSize)
    let c2 = V(repeating: c.invSqrtCorrection2), eps = V(repeating: c.epsilon)
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ x: V) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self) }
    var i = range.lowerBound
    while i &+ 16 <= range.upperBound {
        let gi = load(g + i)
        let mi = b1 * load(m + i) + oneMinusB1 * gi
        let vi = b2 * load(v + i) + oneMinusB2 * gi * gi
        store(m + i, mi)
        store(v + i, vi)
        store(w + i, load(w + i) * shrink - step * mi / ((vi.squareRoot() * c2) + eps))
        i &+= 16
    }
    adamWUpdateScalar(weight: w, gradient: g, first: m, second: v, range: i..<range.upperBound, constants: c)
}

/// The scalar AdamW update over `range` (the reference of `adamWUpdate`, and its tail).
func adamWUpdateScalar(weight w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                       first m: UnsafeMutablePointer<Float>, second v: UnsafeMutablePointer<Float>, range: Range<Int>,
                       constants c: AdamWConstants) {
    let b1 = c.beta1, b2 = c.beta2
    for i in range {
        let gi = g[i]
        let mi = b1 * m[i] + (1 - b1) * gi
        let vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] = w[i] * c.shrink - c.stepSize * mi / ((vi.squareRoot() * c.invSqrtCorrection2) + c.epsilon)
    }
}
