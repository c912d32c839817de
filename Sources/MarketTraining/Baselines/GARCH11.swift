// GARCH(1,1) with Gaussian innovations and zero mean: variance recursion, likelihood, h-step forecasts.

import Foundation
import MarketSupport

/// σ²_t = ω + α r²_{t−1} + β σ²_{t−1}, r_t = σ_t ε_t, ε_t ~ N(0, 1) (zero mean).
///
/// Start-up as in Python `arch`: the unobserved r²_{−1} and σ²_{−1} are both the *backcast*
/// b = Σ_{i<τ} wᵢ r²ᵢ, wᵢ ∝ 0.94ⁱ, τ = min(75, N), so σ²₀ = ω + (α + β) b.
/// A non-finite return contributes its expectation σ²_{t} in place of r²_t (and no likelihood term).
public struct GARCH11: Codable, Equatable, Sendable {
    /// ω > 0 (return units squared).
    public var omega: Double
    /// α ≥ 0, the ARCH weight of yesterday's squared return.
    public var alpha: Double
    /// β ≥ 0, the GARCH weight of yesterday's variance.
    public var beta: Double

    public init(omega: Double, alpha: Double, beta: Double) {
        self.omega = omega
        self.alpha = alpha
        self.beta = beta
    }

    /// α + β (< 1 for a stationary process).
    public var persistence: Double { alpha + beta }
    /// σ̄² = ω / (1 − α − β), the long-run variance (∞ if not stationary).
    public var unconditionalVariance: Double { persistence < 1 ? omega / (1 - persistence) : .infinity }

    /// The backcast b from the first min(75, N) returns (see the type's documentation).
    public static func backcast(_ returns: [Double]) -> Double {
        let tau = min(75, returns.count)
        var sum = 0.0, weights = 0.0, weight = 1.0
        for i in 0..<tau {
            if returns[i].isFinite { sum += weight * returns[i] * returns[i]; weights += weight }
            weight *= 0.94
        }
        return weights > 0 ? sum / weights : 0
    }

    /// σ²_t for t = 0…N: entry t is the variance of r_t given r₀…r_{t−1}; entry N is the
    /// one-step-ahead forecast after the last return. `backcast` defaults to `backcast(returns)`.
    public func conditionalVariances(returns: [Double], backcast: Double? = nil) -> [Double] {
        let b = backcast ?? Self.backcast(returns)
        var sigma2 = [Double](repeating: 0, count: returns.count + 1)
        var previousSquare = b, previousVariance = b
        returns.withUnsafeBufferPointer { r in
            sigma2.withUnsafeMutableBufferPointer { s in
                for t in 0...r.count {
                    let v = omega + alpha * previousSquare + beta * previousVariance
                    s[t] = v
                    if t < r.count {
                        previousSquare = r[t].isFinite ? r[t] * r[t] : v
                        previousVariance = v
                    }
                }
            }
        }
        return sigma2
    }

    /// The Gaussian log-likelihood −½ Σ_t [ln 2π + ln σ²_t + r²_t/σ²_t] over finite returns
    /// (one fused pass, no allocation: this is the optimiser's inner loop; Σ ln σ² is taken as the log
    /// of running products, flushed before they could leave [1e-150, 1e150], so one `log` per ~30 steps).
    public func logLikelihood(returns: [Double], backcast: Double? = nil) -> Double {
        let b = backcast ?? Self.backcast(returns)
        var previousSquare = b, previousVariance = b
        var sumLog = 0.0, product = 1.0, sumRatio = 0.0, count = 0
        let (omega, alpha, beta) = (self.omega, self.alpha, self.beta)
        let valid: Bool = returns.withUnsafeBufferPointer { r in
            for t in 0..<r.count {
                let v = omega + alpha * previousSquare + beta * previousVariance
                guard v > 0 else { return false }
                let x = r[t]
                if x.isFinite {
                    product *= v
                    if product < 1e-150 || product > 1e150 {
                        sumLog += log(product)
                        product = 1
                    }
                    sumRatio += x * x / v
                    count &+= 1
                    previousSquare = x * x
                } else {
                    previousSquare = v
                }
                previousVariance = v
            }
            return true
        }
        guard valid else { return -.infinity }
        sumLog += log(product)
        return -0.5 * (Double(count) * log(2 * Double.pi) + sumLog + sumRatio)
    }

    /// Forecasts (N, H) over `returns` with these (already fitted) parameters:
    /// σ²_{t+h|t} = σ̄² + (α + β)^{h−1} (σ²_{t+1|t} − σ̄²), where σ²_{t+1|t} = ω + α r²_t + β σ²_t uses
    /// r₀…r_t only; computed as the equivalent iteration σ²_{t+h+1|t} = ω + (α + β) σ²_{t+h|t} (which
    /// also holds when α + β ≥ 1). `backcast` should come from the data the model was fitted on.
    public func forecasts(returns: [Double], horizon: Int, backcast: Double? = nil) -> VarianceForecasts {
        precondition(horizon >= 1, "horizon must be at least 1")
        let sigma2 = conditionalVariances(returns: returns, backcast: backcast)
        var values = [Double](repeating: 0, count: returns.count * horizon)
        for t in returns.indices {
            var v = sigma2[t + 1]
            values[t * horizon] = v
            for h in 1..<max(1, horizon) {
                v = omega + persistence * v  // E[σ²_{t+h+1}] = ω + (α+β) E[σ²_{t+h}]
                values[t * horizon + h] = v
            }
        }
        return VarianceForecasts(origins: returns.count, horizon: horizon, values: values)
    }

    /// Simulates N returns from this model, starting at the unconditional variance, after discarding
    /// `burnIn` draws (seeded: `SplitMix64` uniforms, Box–Muller normals; the recursion is `GARCHProcess`).
    public func simulate(count: Int, seed: UInt64, burnIn: Int = 500) -> [Double] {
        var random = SplitMix64(state: seed)
        var process = GARCHProcess(omega: omega, alpha: alpha, beta: beta,
                                   variance: persistence < 1 ? unconditionalVariance : omega)
        return process.simulate(count: count, burnIn: burnIn) {
            (-2 * log(random.uniformOpen())).squareRoot() * cos(2 * Double.pi * random.uniformOpen())
        }
    }
}
