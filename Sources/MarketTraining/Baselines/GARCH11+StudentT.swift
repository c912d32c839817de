// GARCH(1,1) with standardised Student-t innovations (zero mean): likelihood and maximum-likelihood fit of ω, α, β, ν.
import Foundation
import MarketData

/// A fitted GARCH(1,1)-t: the variance recursion of `GARCH11` with ε_t ~ standardised t_ν (unit variance),
/// so r_t | past = σ_t √((ν − 2)/ν) · t_ν — the likelihood Python `arch` uses for `dist="t"`.
public struct GARCH11StudentTFit: Sendable {
    /// ω, α, β (the variance recursion; `forecasts` gives the h-step variances exactly as for the Gaussian fit).
    public var model: GARCH11
    /// ν > 2 of the standardised t innovations.
    public var degreesOfFreedom: Double
    /// The backcast of the training returns.
    public var backcast: Double
    /// The maximised log-likelihood on the training returns.
    public var logLikelihood: Double
    /// Objective evaluations used (all starts).
    public var evaluations: Int
    /// `true` when the best Nelder–Mead run converged.
    public var converged: Bool
}

extension GARCH11 {
    /// Σ_t ln f(r_t), f the density of σ_t · standardised t_ν:
    /// lnΓ((ν+1)/2) − lnΓ(ν/2) − ½ ln(π(ν−2)σ²_t) − (ν+1)/2 · ln(1 + r²_t/((ν−2)σ²_t)), over finite returns.
    public func studentTLogLikelihood(returns: [Double], degreesOfFreedom nu: Double, backcast: Double? = nil) -> Double {
        guard nu > 2 else { return -.infinity }
        let b = backcast ?? Self.backcast(returns)
        var previousSquare = b, previousVariance = b
        var sum = 0.0, count = 0
        let (omega, alpha, beta) = (self.omega, self.alpha, self.beta)
        let valid: Bool = returns.withUnsafeBufferPointer { r in
            for t in 0..<r.count {
                let v = omega + alpha * previousSquare + beta * previousVariance
                guard v > 0 else { return false }
                let x = r[t]
                if x.isFinite {
                    sum += 0.5 * log(v) + 0.5 * (nu + 1) * log1p(x * x / ((nu - 2) * v))
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
        let halfNu: Double = 0.5 * nu
        let gammaRatio: Double = lgamma(halfNu + 0.5) - lgamma(halfNu)
        let constant: Double = gammaRatio - 0.5 * log(Double.pi * (nu - 2))
        return Double(count) * constant - sum
    }

    /// The smallest ω the t fit considers, as a share of the mean squared training return (ω / s² ≥ 1e-4, i.e. a
    /// conditional standard deviation never below 1 % of the return RMS). Without it the likelihood is unbounded
    /// on series with runs of zero returns (a currency peg, stale quotes: USDCNY before 2005 has 809 flat bars):
    /// ω → 0, α → 1, ν → 2 puts a spike of density on every zero and the fit degenerates.
    public static let studentTOmegaFloor = 1e-4

    /// Fits ω, α, β, ν by maximum likelihood with standardised Student-t innovations on `returns` (training data only).
    /// Same scaling and transforms as `fit` plus ν = 2.05 + exp(θ₄) (capped at 500, as `arch` bounds it) and
    /// ω / s² ≥ `studentTOmegaFloor`. Starts: the Gaussian fit and the Gaussian fit's (α, β) grid with
    /// variance-targeted ω, each with ν ∈ {5, 10}; Nelder–Mead runs from the two best starts (by likelihood), then
    /// polishes the better — a single start from the Gaussian fit stalls in a poor local optimum when the Gaussian
    /// fit has β = 0 (AUDUSD: by 92 nats against `arch`'s optimum).
    public static func fitStudentT(returns: [Double]) -> GARCH11StudentTFit {
        let gaussian = fit(returns: returns)
        let finite = returns.filter(\.isFinite)
        let scale = max((finite.reduce(0) { $0 + $1 * $1 } / Double(finite.count)).squareRoot(), 1e-300)
        let z = returns.map { $0 / scale }
        let zBackcast = backcast(z)
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        func decode(_ theta: [Double]) -> (GARCH11, Double) {
            let persistence = logistic(theta[1]), share = logistic(theta[2])
            return (GARCH11(omega: exp(theta[0]), alpha: persistence * share, beta: persistence * (1 - share)), min(500, 2.05 + exp(theta[3])))
        }
        let logFloor = log(studentTOmegaFloor)
        let objective: ([Double]) -> Double = { theta in
            guard theta[0] >= logFloor else { return .infinity }
            let (model, nu) = decode(theta)
            return -model.studentTLogLikelihood(returns: z, degreesOfFreedom: nu, backcast: zBackcast)
        }
        let g = gaussian.model
        let persistence = min(max(g.persistence, 1e-4), 0.9999), share = min(max(g.alpha / max(g.persistence, 1e-12), 1e-4), 0.9999)
        var bases = [[max(log(max(g.omega / (scale * scale), 1e-12)), logFloor), logit(persistence), logit(share)]]
        for (alpha, beta) in [(0.05, 0.90), (0.10, 0.80), (0.03, 0.96)] {
            bases.append([max(log(1 - alpha - beta), logFloor), logit(alpha + beta), logit(alpha / (alpha + beta))])
        }
        let starts = bases.flatMap { base in [5.0, 10.0].map { base + [log($0 - 2.05)] } }
        let ranked = starts.map { ($0, objective($0)) }.sorted { $0.1 < $1.1 }
        var best: NelderMeadResult?
        var evaluations = gaussian.evaluations + starts.count
        for (start, _) in ranked.prefix(2) {
            let run = NelderMead.minimize(objective, start: start, step: [0.3, 0.3, 0.3, 0.5], maxEvaluations: 1500)
            evaluations += run.evaluations
            if best == nil || run.value < best!.value { best = run }
        }
        let polish = NelderMead.minimize(objective, start: best!.point, step: [0.1, 0.1, 0.1, 0.2], maxEvaluations: 1500)
        evaluations += polish.evaluations
        let final = polish.value <= best!.value ? polish : best!
        var (fitted, nu) = decode(final.point)
        fitted.omega *= scale * scale
        let b = zBackcast * scale * scale
        return GARCH11StudentTFit(model: fitted, degreesOfFreedom: nu, backcast: b,
                                  logLikelihood: fitted.studentTLogLikelihood(returns: returns, degreesOfFreedom: nu, backcast: b),
                                  evaluations: evaluations, converged: polish.converged || best!.converged)
    }
}
