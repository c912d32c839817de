// Differentiable add/sub/mul with bias broadcast over leading dimensions, and scaling.
import Foundation

/// Elementwise binary op kinds sharing one broadcasting kernel.
enum BinaryKind { case add, sub, mul }

/// `a ∘ b` where `b`'s shape equals `a`'s or a trailing part of it (a bias broadcast over the leading
/// dims): a (…, D), b (D) → (…, D).
func binary(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank >= b.rank && Array(a.shape.suffix(b.rank)) == b.shape,
                 "\(kind): shape \(b.shape) does not broadcast onto \(a.shape)")
    let inner = b.count, outer = a.count / max(inner, 1)
    let out = Tensor(uninitializedShape: a.shape, pool: Tensor.pool(of: a, b))
    let ap = a.data, bp = b.data, op = out.data
    for o in 0..<outer {
        let base = o &* inner
        let ao = ap + base, oo = op + base
        switch kind {
        case .add: for i in 0..<inner { oo[i] = ao[i] + bp[i] }
        case .sub: for i in 0..<inner { oo[i] = ao[i] - bp[i] }
        case .mul: for i in 0..<inner { oo[i] = ao[i] * bp[i] }
        }
    }
    if Tensor.recordsGradient(a, b) {
        out.record([a, b]) { out in
            let dout = out.gradBuffer!
            if a.requiresGrad {
                if kind == .mul {
                    let da = a.gradForAccumulation()
                    for o in 0..<outer {
                        let base = o &* inner
                        for i in 0..<inner { da[base &+ i] += dout[base &+ i] * bp[i] }
                    }
                } else {   // first gradient: a copy (no zero-fill then add)
                    let (da, accumulate) = a.gradForWrite()
                    if accumulate { for i in 0..<a.count { da[i] += dout[i] } } else { da.update(from: dout, count: a.count) }
                }
            }
            if b.requiresGrad {
                let db = b.gradForAccumulation()
                switch kind {
                case .add: columnSumAccumulate(db, dout, rows: outer, columns: inner)
                case .sub:
                    for o in 0..<outer { let d = dout + o &* inner; for i in 0..<inner { db[i] -= d[i] } }
                case .mul:
                    for o in 0..<outer {
                        let base = o &* inner
                        for i in 0..<inner { db[i] += dout[base &+ i] * ap[base &+ i] }
                    }
                }
            }
        }
    }
    return out
}

/// Sum with broadcasting of the smaller operand over the leading dims of the larger one.
public func + (a: Tensor, b: Tensor) -> Tensor { a.count >= b.count ? binary(.add, a, b) : binary(.add, b, a) }
/// Difference; `b` must have `a`'s shape or a trailing part of it.
public func - (a: Tensor, b: Tensor) -> Tensor { binary(.sub, a, b) }
/// Elementwise product with broadcasting of the smaller operand over the leading dims of the larger one.
public func * (a: Tensor, b: Tensor) -> Tensor { a.count >= b.count ? binary(.mul, a, b) : binary(.mul, b, a) }

/// `x · factor`.
public func scale(_ x: Tensor, by factor: Float) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, pool: x.pool)
    let xp = x.data, op = out.data
    for i in 0..<x.count { op[i] = xp[i] * factor }
    if Tensor.recordsGradient(x) {
        out.record([x]) { out in
            let dout = out.gradBuffer!, dx = x.gradForAccumulation()
            for i in 0..<x.count { dx[i] += factor * dout[i] }
        }
    }
    return out
}

/// `x · factor`.
public func * (x: Tensor, factor: Float) -> Tensor { scale(x, by: factor) }
