// Chi-square tail probabilities through the regularised incomplete gamma function.
import Foundation

/// The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x).
public enum IncompleteGamma {
    /// Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x ≥ 0: series for x < a + 1, Lentz continued fraction otherwise
    /// (Numerical Recipes §6.2; relative accuracy ~1e-14).
    public static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "IncompleteGamma: a must be positive")
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        let logPrefactor = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<1000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefactor))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<1000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(logPrefactor) * h)
    }

    /// P(a, x) = 1 − Q(a, x).
    public static func lowerRegularized(_ a: Double, _ x: Double) -> Double { 1 - upperRegularized(a, x) }
}

/// The chi-square distribution.
public enum ChiSquare {
    /// P(X > statistic) for X ~ χ²(degreesOfFreedom) = Q(k/2, statistic/2).
    public static func survival(_ statistic: Double, degreesOfFreedom: Int) -> Double {
        IncompleteGamma.upperRegularized(Double(degreesOfFreedom) / 2, max(statistic, 0) / 2)
    }
}
