// Multi-step variance forecasts of a baseline: row t holds the forecasts made at t for t+1…t+H.

/// Variance forecasts laid out (N, H): `values[t · H + (h − 1)]` is the variance of the one-day
/// return r_{t+h} forecast at the close of day t from returns r₀…r_t only (NaN where the baseline
/// has too little history). The predictive mean of every baseline is 0.
public struct VarianceForecasts: Equatable, Sendable {
    /// Number of forecast origins N (= the length of the return series).
    public let origins: Int
    /// Forecast horizon H.
    public let horizon: Int
    /// (N, H) row-major.
    public var values: [Double]
    /// ν of the predictive law: +∞ for the Gaussian baselines, the fitted ν for GARCH-t (the values are
    /// still variances; the t scale² is variance·(ν − 2)/ν).
    public var degreesOfFreedom: Double = .infinity

    public init(origins: Int, horizon: Int, values: [Double]) {
        precondition(values.count == origins * horizon, "values.count \(values.count) ≠ N·H = \(origins)·\(horizon)")
        self.origins = origins
        self.horizon = horizon
        self.values = values
    }

    /// The variance of r_{t+h} forecast at origin t (h in 1…H).
    public subscript(origin t: Int, step h: Int) -> Double {
        precondition(h >= 1 && h <= horizon && t >= 0 && t < origins, "origin \(t) step \(h) out of range")
        return values[t &* horizon &+ (h &- 1)]
    }

    /// Forecasts of the cumulative return r_{t+1} + … + r_{t+h} instead: partial sums along h
    /// (returns are serially uncorrelated under every baseline).
    public func cumulative() -> VarianceForecasts {
        var out = values
        for t in 0..<origins {
            for h in 1..<max(1, horizon) { out[t * horizon + h] += out[t * horizon + h - 1] }
        }
        var cumulative = VarianceForecasts(origins: origins, horizon: horizon, values: out)
        cumulative.degreesOfFreedom = degreesOfFreedom
        return cumulative
    }

    /// A flat forecast: the same one-step variance for every step (random walk, EWMA).
    static func flat(_ oneStep: [Double], horizon: Int) -> VarianceForecasts {
        var values = [Double](repeating: .nan, count: oneStep.count * horizon)
        for t in oneStep.indices {
            for h in 0..<horizon { values[t * horizon + h] = oneStep[t] }
        }
        return VarianceForecasts(origins: oneStep.count, horizon: horizon, values: values)
    }
}
