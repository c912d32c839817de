// The one GARCH(1,1) variance recursion, shared by every simulator (baseline checks, the synthetic
// reference series, the demo market), so the model is written once.
import Foundation

/// The conditional variance of a GARCH(1,1) process: σ²_{t+1} = min(ω + α ε_t² + β σ²_t, cap).
///
/// A simulator reads `sigma` (σ_t), draws its innovation ε_t = σ_t z_t however it likes, and calls
/// `update(innovation:)`. Units: per-bar log-return variance.
public struct GARCHProcess: Sendable, Equatable {
    /// ω > 0, the constant term.
    public var omega: Double
    /// α ≥ 0, the weight of the last squared innovation.
    public var alpha: Double
    /// β ≥ 0, the weight of the last variance.
    public var beta: Double
    /// Upper bound on the variance (`.infinity`: none).
    public var cap: Double
    /// σ²_t, the variance of the next innovation.
    public var variance: Double

    /// A process at `variance`; `cap` bounds the recursion (default: unbounded).
    public init(omega: Double, alpha: Double, beta: Double, variance: Double, cap: Double = .infinity) {
        self.omega = omega
        self.alpha = alpha
        self.beta = beta
        self.variance = variance
        self.cap = cap
    }

    /// σ_t = √σ²_t.
    @inline(__always)
    public var sigma: Double { variance.squareRoot() }

    /// Moves to the next bar after innovation ε_t (the return minus its drift).
    @inline(__always)
    public mutating func update(innovation e: Double) {
        variance = min(omega + alpha * e * e + beta * variance, cap)
    }

    /// `count` innovations ε_t = σ_t z_t with z_t from `shock`, after discarding `burnIn` of them.
    public mutating func simulate(count: Int, burnIn: Int = 0, shock: () -> Double) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        for i in 0..<(count + burnIn) {
            let r = sigma * shock()
            if i >= burnIn { out.append(r) }
            update(innovation: r)
        }
        return out
    }
}
