// Differentiable full reductions: sum and mean to a scalar.
import Foundation

extension Tensor {
    /// Σ of all elements → scalar (shape []).
    public func sum() -> Tensor { reduced(scale: 1) }

    /// Mean of all elements → scalar (shape []).
    public func mean() -> Tensor { reduced(scale: 1 / Float(max(count, 1))) }

    private func reduced(scale: Float) -> Tensor {
        let out = Tensor(uninitializedShape: [], pool: pool)
        var acc: Double = 0
        for i in 0..<count { acc += Double(data[i]) }
        out.data[0] = Float(acc) * scale
        if Tensor.recordsGradient(self) {
            out.record([self]) { [unowned self] out in
                let g = out.gradBuffer![0] * scale
                let (dx, accumulate) = self.gradForWrite()
                if accumulate { for i in 0..<self.count { dx[i] += g } } else { dx.update(repeating: g, count: self.count) }
            }
        }
        return out
    }
}
