// The fidelity score: a weighted 0–100 similarity of a candidate's stylized facts to the source's.
import Foundation

/// Scores how closely a candidate reproduces the source's stylized facts.
///
/// For metric i with source value sᵢ and candidate value cᵢ: tolerance τᵢ = aᵢ + bᵢ·|sᵢ|,
/// similarity simᵢ = exp(−½ ((cᵢ − sᵢ)/τᵢ)²) ∈ (0, 1], and fidelity = 100 · Σ wᵢ simᵢ / Σ wᵢ.
/// The tolerances are a few sampling standard deviations of each metric under the block bootstrap
/// of a 5,000-day series, so resamples of the source score high while an i.i.d. Gaussian series of
/// the same variance (no fat tails, no volatility clustering, no ARCH effects) scores clearly lower.
public enum FidelityScore {
    /// wᵢ in `StylizedFacts.names` order: the design's weights plus leverage 1.0, tail frequency 1.5,
    /// |r| ACF at lag 20 1.0.
    public static let weights: [Double] = [3.0, 2.0, 2.0, 1.5, 1.0, 2.0, 3.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.5, 1.0]
    /// aᵢ: the absolute part of each tolerance.
    public static let absoluteTolerance: [Double] = [0, 0.5, 1.0, 0.15, 0.05, 0.1, 0.08, 0.06, 0.3, 0.3, 0, 0.06, 0.04, 0.003, 0.06]
    /// bᵢ: the part of each tolerance proportional to |sᵢ|.
    public static let relativeTolerance: [Double] = [0.15, 0.25, 0.5, 0.3, 0, 0.25, 0.3, 0, 0, 0, 0.15, 0.3, 0, 0.5, 0.3]

    /// simᵢ for every metric, in `StylizedFacts.names` order.
    public static func similarities(_ candidate: StylizedFacts, to source: StylizedFacts) -> [Double] {
        let c = candidate.values, s = source.values
        return (0..<StylizedFacts.count).map { i in similarity(c[i], s[i], i) }
    }

    /// The fidelity (0–100) of `candidate` against `source`.
    public static func score(_ candidate: StylizedFacts, to source: StylizedFacts) -> Double {
        let c = candidate.values, s = source.values
        var total = 0.0, weightSum = 0.0
        for i in 0..<StylizedFacts.count {
            total += weights[i] * similarity(c[i], s[i], i)
            weightSum += weights[i]
        }
        return 100 * total / weightSum
    }

    @inline(__always)
    static func similarity(_ c: Double, _ s: Double, _ i: Int) -> Double {
        guard c.isFinite, s.isFinite else { return c == s ? 1 : 0 }
        let tolerance = max(absoluteTolerance[i] + relativeTolerance[i] * abs(s), 1e-12)
        let z = (c - s) / tolerance
        return exp(-0.5 * z * z)
    }
}
