// The Diebold–Mariano test of equal predictive accuracy with a Newey–West (HAC) variance.

import Foundation
import MarketData

/// The result of a Diebold–Mariano test on a loss differential dₜ = L(A)ₜ − L(B)ₜ.
public struct DieboldMarianoResult: Codable, Equatable, Sendable {
    /// DM = d̄ / √(V̂ / n); negative means A has the lower loss.
    public var statistic: Double
    /// Two-sided p-value 2(1 − Φ(|DM|)) under the asymptotic normal null.
    public var pValue: Double
    /// d̄, the mean loss differential.
    public var meanDifference: Double
    /// n, the number of (finite) differentials used.
    public var count: Int
    /// The Newey–West truncation lag L used.
    public var lags: Int
}

/// The Diebold–Mariano (1995) test.
public enum DieboldMariano {
    /// Tests E[dₜ] = 0 for the time-ordered loss differential `differential` (non-finite entries dropped).
    ///
    /// V̂ = γ₀ + 2 Σ_{k=1..L} (1 − k/(L+1)) γₖ, γₖ = (1/n) Σ_{t>k} (dₜ − d̄)(dₜ₋ₖ − d̄) (Bartlett weights,
    /// Newey & West 1987). `lags` defaults to ⌊4 (n/100)^{2/9}⌋ (Newey–West 1994); for h-step
    /// forecasts use at least h − 1. With n < 2 or V̂ ≤ 0 the statistic and p-value are NaN.
    public static func test(differential: [Double], lags: Int? = nil) -> DieboldMarianoResult {
        let d = differential.filter(\.isFinite)
        let n = d.count
        let lag = max(0, min(n - 1, lags ?? defaultLags(count: n)))
        guard n >= 2 else {
            return DieboldMarianoResult(statistic: .nan, pValue: .nan, meanDifference: d.first ?? .nan, count: n, lags: lag)
        }
        let mean = d.reduce(0, +) / Double(n)
        let centred = d.map { $0 - mean }
        func autocovariance(_ k: Int) -> Double {
            var sum = 0.0
            for t in k..<n { sum += centred[t] * centred[t - k] }
            return sum / Double(n)
        }
        var variance = autocovariance(0)
        if lag > 0 {
            for k in 1...lag { variance += 2 * (1 - Double(k) / Double(lag + 1)) * autocovariance(k) }
        }
        guard variance > 0 else {
            return DieboldMarianoResult(statistic: .nan, pValue: .nan, meanDifference: mean, count: n, lags: lag)
        }
        let statistic = mean / (variance / Double(n)).squareRoot()
        let pValue = 2 * (1 - NormalDistribution.cdf(abs(statistic)))
        return DieboldMarianoResult(statistic: statistic, pValue: pValue, meanDifference: mean, count: n, lags: lag)
    }

    /// The Newey–West (1994) truncation lag for n observations: ⌊4 (n/100)^{2/9}⌋.
    public static func defaultLags(count n: Int) -> Int { Int((4 * pow(Double(n) / 100, 2.0 / 9)).rounded(.down)) }

    /// Tests losses `a` against losses `b` of the same targets, in time order (dₜ = aₜ − bₜ).
    public static func test(lossA a: [Double], lossB b: [Double], lags: Int? = nil) -> DieboldMarianoResult {
        precondition(a.count == b.count, "loss series lengths differ: \(a.count) vs \(b.count)")
        return test(differential: zip(a, b).map { $0 - $1 }, lags: lags)
    }

    /// For a panel (many assets per date): the mean of aᵢ − bᵢ over each date's finite pairs, in
    /// ascending `dateIDs` order — one series whose serial and cross-sectional dependence the HAC
    /// variance then covers (the pooled test: `test(differential: dailyMeanDifferential(…))`).
    public static func dailyMeanDifferential(lossA a: [Double], lossB b: [Double], dateIDs: [Int]) -> [Double] {
        precondition(a.count == b.count && a.count == dateIDs.count, "lengths differ")
        var sums: [Int: (Double, Int)] = [:]
        for i in a.indices where a[i].isFinite && b[i].isFinite {
            let entry = sums[dateIDs[i], default: (0, 0)]
            sums[dateIDs[i]] = (entry.0 + a[i] - b[i], entry.1 + 1)
        }
        return sums.keys.sorted().map { sums[$0]!.0 / Double(sums[$0]!.1) }
    }
}
