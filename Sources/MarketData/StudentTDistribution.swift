// The standard Student-t distribution with ν degrees of freedom: log density, CDF, quantile and closed-form CRPS.
import Foundation

/// The standard Student-t distribution t_ν (location 0, scale 1; variance ν/(ν − 2) for ν > 2).
/// Any ν > 0 is accepted (not only integers); every function returns NaN for ν ≤ 0 or a NaN argument.
public enum StudentTDistribution {
    /// ln f_ν(z) = lnΓ((ν+1)/2) − lnΓ(ν/2) − ½ ln(νπ) − (ν+1)/2 · ln(1 + z²/ν).
    public static func logDensity(_ z: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !z.isNaN else { return .nan }
        return logNormalizer(nu) - 0.5 * (nu + 1) * log1p(z * z / nu)
    }

    /// ln of the density's constant, lnΓ((ν+1)/2) − lnΓ(ν/2) − ½ ln(νπ) (hoist it out of loops with one ν).
    public static func logNormalizer(_ nu: Double) -> Double {
        lgamma(0.5 * (nu + 1)) - lgamma(0.5 * nu) - 0.5 * log(nu * Double.pi)
    }

    /// F_ν(z) = P(T ≤ z) through the regularised incomplete beta: for z < 0, ½ I_{ν/(ν+z²)}(ν/2, ½)
    /// (accurate to ~1e-14 relative; symmetric for z > 0).
    public static func cdf(_ z: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !z.isNaN else { return .nan }
        if z.isInfinite { return z > 0 ? 1 : 0 }
        let x = nu / (nu + z * z)
        let tail = 0.5 * regularizedIncompleteBeta(x: x, a: 0.5 * nu, b: 0.5)
        return z <= 0 ? tail : 1 - tail
    }

    /// F_ν⁻¹(p) for p in (0, 1): Newton steps on the CDF safeguarded by bisection (|error| < 1e-12·(1+|z|)).
    /// −∞/+∞ at 0/1, NaN outside [0, 1].
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        // Solve on the lower tail for accuracy, reflect for p > ½.
        let q = min(p, 1 - p)
        var lo = -1.0, hi = 0.0
        while cdf(lo, degreesOfFreedom: nu) > q { hi = lo; lo *= 2; if lo < -1e300 { break } }
        var z = max(lo, min(hi, NormalDistribution.quantile(q)))
        for _ in 0..<200 {
            let f = cdf(z, degreesOfFreedom: nu) - q
            if f > 0 { hi = z } else { lo = z }
            let density = exp(logDensity(z, degreesOfFreedom: nu))
            var next = density > 0 ? z - f / density : .nan
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - z) <= 1e-13 * (1 + abs(z)) { z = next; break }
            z = next
        }
        return p < 0.5 ? z : -z
    }

    /// CRPS of t_ν at z (closed form, Jordan, Krüger & Lerch 2019; needs ν > 1, else +∞):
    /// z(2F(z) − 1) + 2f(z)(ν + z²)/(ν − 1) − 2√ν B(½, ν − ½) / ((ν − 1) B(½, ν/2)²).
    /// For a location-scale t multiply by the scale and pass z = (y − location)/scale.
    public static func crps(_ z: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !z.isNaN else { return .nan }
        guard nu > 1 else { return .infinity }
        return expectedAbsoluteDeviation(z, degreesOfFreedom: nu) - halfMeanPairDistance(degreesOfFreedom: nu)
    }

    /// E|T − z| for T ~ t_ν (ν > 1): z(2F(z) − 1) + 2f(z)(ν + z²)/(ν − 1).
    public static func expectedAbsoluteDeviation(_ z: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 1 else { return .infinity }
        let f = exp(logDensity(z, degreesOfFreedom: nu)), F = cdf(z, degreesOfFreedom: nu)
        return z * (2 * F - 1) + 2 * f * (nu + z * z) / (nu - 1)
    }

    /// ½ E|T − T′| for independent T, T′ ~ t_ν (ν > 1): 2√ν B(½, ν − ½) / ((ν − 1) B(½, ν/2)²).
    public static func halfMeanPairDistance(degreesOfFreedom nu: Double) -> Double {
        guard nu > 1 else { return .infinity }
        let logB1 = logBeta(0.5, nu - 0.5), logB2 = logBeta(0.5, 0.5 * nu)
        return 2 * nu.squareRoot() * exp(logB1 - 2 * logB2) / (nu - 1)
    }

    /// The variance of t_ν: ν/(ν − 2) for ν > 2, +∞ otherwise.
    public static func variance(degreesOfFreedom nu: Double) -> Double { nu > 2 ? nu / (nu - 2) : .infinity }

    static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// I_x(a, b), the regularised incomplete beta function (continued fraction, modified Lentz;
    /// symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where the fraction converges slowly).
    public static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logFront = a * log(x) + b * log1p(-x) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...1000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
