// The three baselines behind one name, fitted on training data and forecasting over a whole series.

/// The baselines the model is compared with (mean 0, on the same targets; Gaussian except GARCH-t).
public enum VarianceBaseline: String, CaseIterable, Codable, Sendable {
    /// Random walk with the rolling 20-day sample variance (`RollingVolatilityBaseline`).
    case randomWalk = "rw"
    /// RiskMetrics EWMA, λ = 0.94 (`EWMABaseline`).
    case ewma = "ewma"
    /// GARCH(1,1), Gaussian MLE on the training returns (`GARCH11.fit`).
    case garch = "garch"
    /// GARCH(1,1) with standardised Student-t innovations, MLE of ω, α, β, ν on the training returns
    /// (`GARCH11.fitStudentT`); its law is a Student-t with the fitted ν.
    case garchT = "garch_t"

    /// (N, H) variance forecasts for the one-day returns r_{t+1}…r_{t+H} at every origin t of `returns`.
    ///
    /// `trainingEnd`: returns[0..<trainingEnd] is what GARCH is fitted on (RW and EWMA need no fit).
    /// No look-ahead: a forecast at origin t uses r₀…r_t and, for GARCH, parameters fitted on the
    /// training returns — so use GARCH forecasts out of sample only at t ≥ trainingEnd − 1.
    public func forecasts(returns: [Double], trainingEnd: Int, horizon: Int) -> VarianceForecasts {
        switch self {
        case .randomWalk:
            return RollingVolatilityBaseline.forecasts(returns: returns, horizon: horizon)
        case .ewma:
            return EWMABaseline.forecasts(returns: returns, horizon: horizon)
        case .garch:
            precondition(trainingEnd <= returns.count, "trainingEnd \(trainingEnd) > \(returns.count) returns")
            let fit = GARCH11.fit(returns: Array(returns[0..<trainingEnd]))
            return fit.model.forecasts(returns: returns, horizon: horizon, backcast: fit.backcast)
        case .garchT:
            precondition(trainingEnd <= returns.count, "trainingEnd \(trainingEnd) > \(returns.count) returns")
            let fit = GARCH11.fitStudentT(returns: Array(returns[0..<trainingEnd]))
            var forecasts = fit.model.forecasts(returns: returns, horizon: horizon, backcast: fit.backcast)
            forecasts.degreesOfFreedom = fit.degreesOfFreedom
            return forecasts
        }
    }
}
