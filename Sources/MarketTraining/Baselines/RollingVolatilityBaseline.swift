// Random-walk baseline: mean 0, variance = the rolling sample variance of the last 20 returns.

/// The random-walk baseline: r_{t+h} ~ N(0, s_t²) for every h, where s_t² is the sample variance
/// (denominator w − 1, demeaned — pandas `rolling(w).std()²`) of r_{t−w+1}…r_t, w = 20 by default.
/// NaN until w finite returns are available (any non-finite return in the window → NaN).
public enum RollingVolatilityBaseline {
    /// One-step variances s_t² for every origin t (length N).
    public static func oneStepVariances(returns: [Double], window: Int = 20) -> [Double] {
        precondition(window >= 2, "window must be at least 2")
        var out = [Double](repeating: .nan, count: returns.count)
        guard returns.count >= window else { return out }
        for t in (window - 1)..<returns.count {
            var sum = 0.0, finite = true
            for k in (t - window + 1)...t { sum += returns[k]; finite = finite && returns[k].isFinite }
            guard finite else { continue }
            let mean = sum / Double(window)
            var squares = 0.0
            for k in (t - window + 1)...t { squares += (returns[k] - mean) * (returns[k] - mean) }
            out[t] = squares / Double(window - 1)
        }
        return out
    }

    /// Flat H-step forecasts (N, H).
    public static func forecasts(returns: [Double], horizon: Int, window: Int = 20) -> VarianceForecasts {
        .flat(oneStepVariances(returns: returns, window: window), horizon: horizon)
    }
}
