// EWMA (RiskMetrics) baseline: σ²_{t+1|t} = λ σ²_{t|t−1} + (1 − λ) r_t², λ = 0.94, mean 0.

/// The RiskMetrics exponentially weighted variance, flat across the horizon:
/// v_t = λ v_{t−1} + (1 − λ) r_t², the forecast of r_{t+h}'s variance made at t for every h.
/// Seed: v_{w−1} = mean(r₀², …, r_{w−1}²) with w = `seedLength` (20); earlier origins are NaN.
/// A non-finite return leaves v unchanged (no information that day).
public enum EWMABaseline {
    /// One-step variances v_t for every origin t (length N).
    public static func oneStepVariances(returns: [Double], lambda: Double = 0.94, seedLength: Int = 20) -> [Double] {
        precondition(lambda > 0 && lambda < 1 && seedLength >= 1, "need 0 < λ < 1 and seedLength ≥ 1")
        var out = [Double](repeating: .nan, count: returns.count)
        guard returns.count >= seedLength else { return out }
        var sum = 0.0, count = 0
        for k in 0..<seedLength where returns[k].isFinite { sum += returns[k] * returns[k]; count += 1 }
        guard count > 0 else { return out }
        var v = sum / Double(count)
        out[seedLength - 1] = v
        for t in seedLength..<returns.count {
            if returns[t].isFinite { v = lambda * v + (1 - lambda) * returns[t] * returns[t] }
            out[t] = v
        }
        return out
    }

    /// Flat H-step forecasts (N, H).
    public static func forecasts(returns: [Double], horizon: Int, lambda: Double = 0.94, seedLength: Int = 20) -> VarianceForecasts {
        .flat(oneStepVariances(returns: returns, lambda: lambda, seedLength: seedLength), horizon: horizon)
    }
}
