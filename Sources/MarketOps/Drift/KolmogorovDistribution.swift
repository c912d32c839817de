// The distribution of the one-sample two-sided Kolmogorov–Smirnov statistic D_n (scipy.stats.kstwo).
import Foundation
#if canImport(Glibc)
import Glibc
private func logGamma(_ x: Double) -> Double { Glibc.lgamma(x) }
#else
import Darwin
private func logGamma(_ x: Double) -> Double { Darwin.lgamma(x) }
#endif

/// P(D_n ≥ x) for the one-sample two-sided statistic D_n = sup |F_n − F| of n draws, computed the way
/// `scipy.stats.kstwo.sf(x, n)` computes it (scipy's `_kolmogn`, after Simard & L'Ecuyer 2011), branch for
/// branch, so `ks_2samp`'s asymptotic p-value (`kstwo.sf(D, round(m·n/(m+n)))`) is reproduced:
/// - n·x ≤ 1 and n·x ≥ n − 1: Ruben–Gambino's closed forms;
/// - x ≥ 0.5, or n ≤ 140 with n·x² > 4, or n > 140 with n·x² ≥ 2.2: 2·P(D_n⁺ ≥ x), the one-sided law by
///   the Birnbaum–Tingey sum (exact where the two-sided events cannot both happen, and within the
///   literature's error elsewhere — as in scipy);
/// - otherwise 1 − P(D_n ≤ x) by Durbin's matrix (Marsaglia–Tsang–Wang) for n·x² ≤ 0.754693 (n ≤ 140) or
///   n·x^1.5 ≤ 1.4 (n ≤ 100,000), Pomeranz's recursion for n ≤ 140, else the Pelz–Good expansion;
///   0 for n > 140 once n·x² ≥ 370 (sf) and the CDF 1 once n·x² ≥ 18.
/// Agreement with scipy is checked to 1e-9 by `DriftTests` (the same formulas in double precision; only the
/// order of floating-point sums differs).
public enum KolmogorovDistribution {
    /// P(D_n ≥ x), clipped to [0, 1]; n ≥ 1.
    public static func survival(_ x: Double, n: Int) -> Double {
        precondition(n >= 1, "KolmogorovDistribution: n must be ≥ 1")
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n), t = nd * x
        if t <= 1 {                                   // Ruben–Gambino: 1/(2n) ≤ x ≤ 1/n
            if t <= 0.5 { return 1 }
            let cdf = n <= 140 ? (1...n).reduce(1.0) { $0 * (Double($1) / nd) * (2 * t - 1) }
                               : exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            return clip(1 - cdf)
        }
        if t >= nd - 1 { return clip(2 * pow(1 - x, nd)) }   // Ruben–Gambino
        if x >= 0.5 { return clip(2 * smirnov(n, x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrixCDF(n, x)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(n, x)) }
            return clip(2 * smirnov(n, x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnov(n, x)) }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 {
            cdf = durbinMatrixCDF(n, x)
        } else {
            cdf = pelzGoodCDF(n, x)
        }
        return clip(1 - cdf)
    }

    /// P(D_n⁺ ≥ x), the one-sided statistic (Birnbaum–Tingey): x Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (x + j/n)^{j−1} (1 − x − j/n)^{n−j},
    /// every term in log space (positive terms: no cancellation).
    public static func smirnov(_ n: Int, _ x: Double) -> Double {
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let last = Int(floor(nd * (1 - x)))
        let logNFactorial = logGamma(nd + 1)
        var sum = 0.0
        for j in 0...max(0, last) {
            let jd = Double(j)
            let a = x + jd / nd, b = 1 - a
            let logTerm: Double
            if b <= 0 {
                guard j == n else { continue }        // (1 − x − j/n)^{n−j} with n − j = 0 is 1
                logTerm = (jd - 1) * log(a)
            } else {
                logTerm = logNFactorial - logGamma(jd + 1) - logGamma(nd - jd + 1) + (jd - 1) * log(a) + (nd - jd) * log(b)
            }
            if logTerm > -745 { sum += exp(logTerm) }
        }
        return min(1, max(0, x * sum))
    }

    // MARK: the methods of scipy's `_kolmogn` (CDFs P(D_n ≤ x))

    private static let e128 = 0x1p128, em128 = 0x1p-128

    /// log(n! / nⁿ) by Stirling's series with n log n removed (scipy's `_log_nfactorial_div_n_pow_n`).
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients = [-2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
                            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
                            -2.7777777777777777778e-3, 8.3333333333333333333e-2]
        let rn = 1 / Double(n), x = rn / Double(n)
        let series = coefficients.reduce(0.0) { $0 * x + $1 }           // Horner, highest power first (np.polyval)
        return log(Double(n)) / 2 - Double(n) + log(2 * Double.pi) / 2 + rn * series
    }

    /// Durbin's matrix algorithm as Marsaglia, Tsang & Wang evaluate it: the (k, k) entry of Hⁿ (scaled
    /// powers), times n!/nⁿ; H is (2k−1)², k = ⌈n x⌉. O(k³ log n).
    static func durbinMatrixCDF(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(ceil(nd))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = [Double](repeating: 0, count: m), w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] = (1 - pow(h, Double(j))) * factorial
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial
        var matrix = [Double](repeating: 0, count: m * m)            // row-major H
        for i in 1..<m {
            for r in (i - 1)..<m { matrix[r * m + i] = w[r - (i - 1)] }
        }
        for r in 0..<m { matrix[r * m] = v[r] }
        for c in 0..<m { matrix[(m - 1) * m + c] = v[m - 1 - c] }
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var remaining = n, exponent = 0, matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + (k - 1)]) > e128 {
                for i in matrix.indices { matrix[i] /= e128 }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < em128 {
                p *= e128
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, exponent) }
        return clip(p)
    }

    /// Row-major m×m product.
    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var out = [Double](repeating: 0, count: m * m)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { out in
                    for i in 0..<m {
                        for l in 0..<m {
                            let x = a[i * m + l]
                            if x == 0 { continue }
                            for j in 0..<m { out[i * m + j] += x * b[l * m + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The interval of row i of Pomeranz's recursion (scipy's `_pomeranz_compute_j1j2`).
    private static func pomeranzBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilF: Int, _ roundF: Int) -> (Int, Int) {
        var j1: Int, j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilF - 1, ll + ceilF - 1)
        } else {
            let half = (i + 1) / 2, odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    (j1, j2) = (n - ll - ceilF - 1, n + ll + ceilF - 1)
                } else {
                    (j1, j2) = (half - 1 - ll - roundF - 1, half + ll - 1 + ceilF - 1)
                }
            } else {
                (j1, j2) = (half - 1 - ll - 1, half + ll + roundF - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// Pomeranz's recursion (1974): two rows of Poisson-like convolutions, scaled against underflow.
    static func pomeranzCDF(_ n: Int, _ x: Double) -> Double {
        let t = Double(n) * x
        let ll = Int(floor(t))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilF = f > 0 ? 1 : 0, roundF = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers), twoGPower = gPower, oneMinusTwoGPower = gPower
        let nd = Double(n)
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * (g / nd) / Double(m)
            twoGPower[m] = twoGPower[m - 1] * (2 * g / nd) / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / nd) / Double(m)
        }
        var v0 = [Double](repeating: 0, count: powers), v1 = v0
        v1[0] = 1
        var v0Start = 0, v1Start = 0, exponent = 0
        var (j1, j2) = pomeranzBounds(0, n, ll, ceilF, roundF)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            (j1, j2) = pomeranzBounds(i, n, ll, ceilF, roundF)
            let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            if length > 0 {
                // conv = convolve(V0[k1 − V0s ..< k1 − V0s + length], weights[..< length]); keep conv[j1 − k1 ..< j2 − k1 + 1].
                let offset = k1 - v0Start
                let convStart = j1 - k1, convLength = j2 - j1 + 1
                for out in 0..<convLength {
                    let c = convStart + out
                    var sum = 0.0
                    for a in max(0, c - (length - 1))...min(c, length - 1) {
                        let index = offset + a
                        let value = index >= 0 && index < v0.count ? v0[index] : 0
                        sum += value * weights[c - a]
                    }
                    v1[out] = sum
                }
                if let largest = v1.max(), largest > 0, largest < em128 {
                    for index in v1.indices { v1[index] *= e128 }
                    exponent -= 128
                }
                v1Start = v0Start + j1 - k1
            }
        }
        var answer = v1[n - v1Start]
        for m in 1...n {
            if abs(answer) > e128 {
                answer *= em128
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, exponent) }
        return clip(answer)
    }

    /// The Pelz–Good (1976) expansion of P(D_n ≤ x) for small x·√n: K0 + K1/√n + K2/n + K3/n^{3/2}.
    static func pelzGoodCDF(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let z = Double(n).squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let qLog = -pi2 / 8 / z2
        if qLog < -708 { return 0 }
        var q = exp(qLog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * pow(z, 8)
        var k = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int(ceil(16 * z / Double.pi))
        for kk in stride(from: maxK, through: 1, by: -1) {
            let m = Double(2 * kk - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let qPower = pow(q, Double(8 * kk))
            let coefficients = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
            for i in 0..<4 { k[i] = k[i] * qPower + coefficients[i] }
        }
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for i in 0..<4 { k[i] = k[i] * q * sqrt2Pi / divisors[i] }
        q = exp(-pi2 / 2 / z2)
        var k2Extra = 0.0, k3Extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        for kk in stride(from: maxK, through: 1, by: -1) {
            let kd = Double(kk), k2 = kd * kd
            let qPower = pow(q, k2)
            k2Extra += k2 * qPower
            let kPi = Double.pi * kd
            k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower
        }
        k[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3)
        k[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6)
        var sum = 0.0
        for i in 0..<4 { sum += k[i] / pow(Double(n), Double(i) / 2) }
        return sum
    }

    private static func clip(_ p: Double) -> Double { min(1, max(0, p)) }
}
