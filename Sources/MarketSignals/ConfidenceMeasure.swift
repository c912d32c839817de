// The three definitions of a signal's confidence: the law's sign probability, the epistemic form, MC sign agreement.
import Foundation
import MarketData

/// How `SignalRule` turns a predictive into `confidence` ∈ [0, 1] (config key `confidence`, CLI `--confidence`).
///
/// Over the decision horizon h, μ = Σ_{k≤h} mean_k:
/// - `probabilistic` (default): the predictive law's probability that the h-day return has the sign of μ —
///   Φ(|μ|/σ) for a Gaussian, the mixture's mass on μ's side for MC passes of Gaussian or Student-t heads.
/// - `epistemic(scale: s)`: the design's MC form 1 / (1 + σ_epi/s), σ_epi = √Σ_{k≤h} epistemic_k, the spread of
///   the MC passes' means: 1 when the passes agree exactly, 0.5 at σ_epi = s. `s` is fitted on the validation
///   period by `calibrate-signals` (the median σ_epi of its forecasts at that horizon) and stored in the rule file.
/// - `agreement`: the fraction of MC passes (× ensemble members) whose own h-day mean Σ_{k≤h} μ_k^(m) has the sign
///   of μ (ties at 0 count half). Needs the members (`AssetPredictive.laws`); without them it is NaN.
public enum ConfidenceMeasure: Sendable, Equatable {
    case probabilistic
    case epistemic(scale: Double)
    case agreement

    /// The names of the config key / CLI flag.
    public static let names = ["probabilistic", "epistemic", "agreement"]

    /// The config / CLI name.
    public var name: String {
        switch self {
        case .probabilistic: return "probabilistic"
        case .epistemic: return "epistemic"
        case .agreement: return "agreement"
        }
    }

    /// The measure called `name`; `scale` is the epistemic form's s (must be > 0 for `epistemic`). Nil for an unknown name.
    public init?(name: String, scale: Double? = nil) {
        switch name {
        case "probabilistic": self = .probabilistic
        case "agreement": self = .agreement
        case "epistemic":
            guard let scale, scale > 0, scale.isFinite else { return nil }
            self = .epistemic(scale: scale)
        default: return nil
        }
    }

    /// The confidence of `predictive` over the first `horizon` steps with expected return `mu`.
    public func confidence(_ predictive: AssetPredictive, horizon: Int, mu: Double) -> Double {
        switch self {
        case .probabilistic:
            var variance = 0.0
            for k in 0..<horizon { variance += predictive.aleatoricVariance[k] + predictive.epistemicVariance[k] }
            let law = predictive.cumulativeLaw(steps: horizon)
            return variance.squareRoot() > 0 && law.isValid ? law.probability(ofSignOf: mu) : (mu == 0 ? 0.5 : 1)
        case .epistemic(let scale):
            var epistemic = 0.0
            for k in 0..<horizon { epistemic += predictive.epistemicVariance[k] }
            return 1 / (1 + epistemic.squareRoot() / scale)
        case .agreement:
            return Self.signAgreement(predictive, horizon: horizon, mu: mu)
        }
    }

    /// The fraction of members whose h-day mean has the sign of `mu` (NaN without members).
    public static func signAgreement(_ predictive: AssetPredictive, horizon: Int, mu: Double) -> Double {
        guard let laws = predictive.laws, let members = laws.first?.memberCount, members > 0,
              laws.prefix(horizon).allSatisfy({ $0.memberCount == members }) else { return .nan }
        var agree = 0.0
        for m in 0..<members {
            var sum = 0.0
            for k in 0..<horizon { sum += laws[k].locations[m] }
            if sum == 0 || mu == 0 { agree += 0.5 } else if (sum > 0) == (mu > 0) { agree += 1 }
        }
        return agree / Double(members)
    }
}
