// Central finite differences of a scalar loss, for gradient checks in tests.
import Foundation

/// (loss(t[index] + ε) − loss(t[index] − ε)) / 2ε, evaluated without recording; `t` is restored.
public func centralDifference(of loss: () -> Tensor, at t: Tensor, index: Int, epsilon: Float = 1e-3) -> Float {
    let saved = t.data[index]
    t.data[index] = saved + epsilon
    let plus = Double(Autograd.withoutRecording { loss() }.item)
    t.data[index] = saved - epsilon
    let minus = Double(Autograd.withoutRecording { loss() }.item)
    t.data[index] = saved
    return Float((plus - minus) / (2 * Double(epsilon)))
}
