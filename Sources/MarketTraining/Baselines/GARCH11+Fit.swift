// Maximum-likelihood fitting of GARCH(1,1): Nelder–Mead on unconstrained transformed parameters.

import Foundation

/// A fitted GARCH(1,1) and how the fit went.
public struct GARCH11Fit: Sendable {
    /// The maximum-likelihood parameters.
    public var model: GARCH11
    /// The backcast of the training returns (pass it to `forecasts` so the start-up uses them too).
    public var backcast: Double
    /// The maximised log-likelihood on the training returns.
    public var logLikelihood: Double
    /// Objective evaluations used (all starts).
    public var evaluations: Int
    /// `true` when the best start's Nelder–Mead run converged.
    public var converged: Bool
}

extension GARCH11 {
    /// Fits ω, α, β by Gaussian maximum likelihood on `returns` (the training data only).
    ///
    /// Returns are first divided by s = √(mean r²), so ω is of order 1 − α − β; the search runs on
    /// θ = (ln ω, logit(α + β), logit(α / (α + β))), which keeps ω > 0, α, β ≥ 0 and α + β < 1
    /// without constraints. Nelder–Mead runs from several (α, β) starts with variance-targeted ω,
    /// then restarts once from the best point; ω is scaled back by s².
    public static func fit(returns: [Double]) -> GARCH11Fit {
        let finite = returns.filter(\.isFinite)
        precondition(finite.count >= 10, "GARCH(1,1) needs at least 10 finite returns, got \(finite.count)")
        let scale = max((finite.reduce(0) { $0 + $1 * $1 } / Double(finite.count)).squareRoot(), 1e-300)
        let z = returns.map { $0 / scale }
        let zBackcast = backcast(z)
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        func model(_ theta: [Double]) -> GARCH11 {
            let persistence = logistic(theta[1]), share = logistic(theta[2])
            return GARCH11(omega: exp(theta[0]), alpha: persistence * share, beta: persistence * (1 - share))
        }
        let objective: ([Double]) -> Double = { theta in -model(theta).logLikelihood(returns: z, backcast: zBackcast) }
        var best: NelderMeadResult?
        var evaluations = 0
        for (alpha, beta) in [(0.05, 0.90), (0.10, 0.80), (0.03, 0.96)] {
            let start = [log(1 - alpha - beta), logit(alpha + beta), logit(alpha / (alpha + beta))]
            let run = NelderMead.minimize(objective, start: start, step: [0.5, 0.5, 0.5], maxEvaluations: 1500)
            evaluations += run.evaluations
            if best == nil || run.value < best!.value { best = run }
        }
        let polish = NelderMead.minimize(objective, start: best!.point, step: [0.1, 0.1, 0.1], maxEvaluations: 1500)
        evaluations += polish.evaluations
        let final = polish.value <= best!.value ? polish : best!
        var fitted = model(final.point)
        fitted.omega *= scale * scale
        return GARCH11Fit(model: fitted, backcast: zBackcast * scale * scale,
                          logLikelihood: fitted.logLikelihood(returns: returns, backcast: zBackcast * scale * scale),
                          evaluations: evaluations, converged: polish.converged || best!.converged)
    }
}
