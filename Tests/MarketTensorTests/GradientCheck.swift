// Central finite-difference gradient checking shared by the op tests.
import XCTest
@testable import MarketTensor
import MarketSupport

/// Tolerances: Float32 central differences with eps 1e-3; |analytic − numeric| ≤ atol + rtol·max(|a|, |n|).
struct GradientCheck {
    var epsilon: Float = 1e-3
    var relativeTolerance: Float = 1e-2
    var absoluteTolerance: Float = 2e-3
    /// At most this many coordinates per input are probed (spread evenly).
    var maxProbes = 60

    /// Checks d loss / d input for every input; `loss` rebuilds the graph from scratch each call.
    func check(_ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line, _ loss: () -> Tensor) {
        for t in inputs { t.zeroGrad() }
        let l = loss()
        l.backward()
        let analytic = inputs.map { $0.gradScalars }
        for (k, t) in inputs.enumerated() {
            let stride = max(1, t.count / maxProbes)
            for i in Swift.stride(from: 0, to: t.count, by: stride) {
                let numeric = centralDifference(of: loss, at: t, index: i, epsilon: epsilon)
                let a = analytic[k][i]
                let bound = absoluteTolerance + relativeTolerance * max(abs(a), abs(numeric))
                XCTAssert(abs(a - numeric) <= bound,
                          "input \(k) \(t.shape) index \(i): analytic \(a) vs numeric \(numeric)", file: file, line: line)
            }
        }
    }
}

/// A random tensor with `requiresGrad`, from a fixed seed.
func parameter(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: std, rng: &rng, requiresGrad: true)
}

/// A random constant tensor (no gradient).
func constant(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: std, rng: &rng)
}

/// A scalar that depends on every element of `x` with distinct random weights: Σ x ⊙ r.
func project(_ x: Tensor, seed: UInt64 = 99) -> Tensor { (x * constant(x.shape, seed: seed)).sum() }
