// Two-sample Kolmogorov–Smirnov test (statistic + two-sided p-value) and the Benjamini–Hochberg correction.
import Foundation

/// The two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(x, y)` computes it.
///
/// D = sup |F_x − F_y| over the pooled values (ties handled by stepping past every equal value).
/// p-value: the exact distribution of D under H0 (lattice-path recursion, Hodges 1958; the algorithm
/// of R's `psmirnov2x`) when max(m, n) ≤ `exactLimit` = 10,000 — scipy's `method='auto'` choice —
/// else scipy's asymptotic method: the one-sample two-sided law at N = round(mn/(m+n)) (half to even, as
/// numpy rounds), P(D_N ≥ D) by `KolmogorovDistribution` (= `scipy.stats.kstwo.sf`). Both agree with
/// scipy to 1e-9 in p (the cross-check test).
public enum KolmogorovSmirnov {
    public static let exactLimit = 10_000

    public struct Result: Sendable, Equatable {
        /// D in [0, 1].
        public var statistic: Double
        /// Two-sided p-value in [0, 1].
        public var pValue: Double
        /// Whether the exact distribution was used.
        public var exact: Bool
    }

    /// The test of `x` against `y` (both non-empty). Sorts copies; NaNs are not allowed.
    public static func test(_ x: [Float], _ y: [Float]) -> Result {
        precondition(!x.isEmpty && !y.isEmpty, "KolmogorovSmirnov: empty sample")
        return test(sorted: x.sorted(), y.sorted())
    }

    /// The test of two ascending samples.
    public static func test(sorted a: [Float], _ b: [Float]) -> Result {
        let d = statistic(sorted: a, b)
        let m = a.count, n = b.count
        if max(m, n) <= exactLimit {
            return Result(statistic: d, pValue: exactPValue(d: d, m: m, n: n), exact: true)
        }
        return Result(statistic: d, pValue: asymptoticPValue(d: d, m: m, n: n), exact: false)
    }

    /// D of two ascending samples.
    public static func statistic(sorted a: [Float], _ b: [Float]) -> Double {
        let m = a.count, n = b.count
        var i = 0, j = 0
        var d = 0.0
        let mInverse = 1 / Double(m), nInverse = 1 / Double(n)
        while i < m && j < n {
            let value = min(a[i], b[j])
            while i < m && a[i] == value { i += 1 }
            while j < n && b[j] == value { j += 1 }
            d = max(d, abs(Double(i) * mInverse - Double(j) * nInverse))
        }
        return d
    }

    /// P(D ≥ d) under H0 for sample sizes m and n, exactly (O(m·n) time, O(max) memory).
    public static func exactPValue(d: Double, m mIn: Int, n nIn: Int) -> Double {
        let m = min(mIn, nIn), n = max(mIn, nIn)
        let md = Double(m), nd = Double(n)
        // The largest attainable value below d (D takes values k/(m n)); the recursion counts paths with D < d.
        let q = (0.5 + floor(d * md * nd - 1e-7)) / (md * nd)
        var u = [Double](repeating: 0, count: n + 1)
        for j in 0...n { u[j] = Double(j) / nd > q ? 0 : 1 }
        for i in 1...m {
            let w = Double(i) / Double(i + n)
            let iOverM = Double(i) / md
            u[0] = iOverM > q ? 0 : w * u[0]
            for j in 1...n {
                u[j] = abs(iOverM - Double(j) / nd) > q ? 0 : w * u[j] + u[j - 1]
            }
        }
        return min(1, max(0, 1 - u[n]))
    }

    /// P(D ≥ d), asymptotic as scipy's `ks_2samp(method='asymp')`: `kstwo.sf(d, round(e))`, e = m n / (m + n).
    public static func asymptoticPValue(d: Double, m: Int, n: Int) -> Double {
        let larger = Double(max(m, n)), smaller = Double(min(m, n))
        let e = larger * smaller / (larger + smaller)
        return KolmogorovDistribution.survival(d, n: max(1, Int(e.rounded(.toNearestOrEven))))
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values): q_(i) = min over j ≥ i of p_(j)·m / j, capped at 1,
/// returned in the input order. Rejecting q < α controls the false discovery rate at α.
public enum BenjaminiHochberg {
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
