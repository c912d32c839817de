// Politis & White (2004) automatic block length with the Patton, Politis & White (2009) correction.
import Foundation

/// Optimal expected block lengths for the stationary and circular block bootstraps.
public struct OptimalBlockLength: Sendable, Equatable {
    /// Expected block length for the stationary bootstrap (geometric block lengths).
    public var stationary: Double
    /// Block length for the circular block bootstrap.
    public var circular: Double

    /// Estimates the block lengths of `x` (n ≥ 2) as `arch.bootstrap.optimal_block_length` does:
    ///
    /// with ε = x − x̄, γ̂_k = n⁻¹ Σ_{t≥k} ε_t ε_{t−k}; m̂ is the first lag after which k_n = max(5, ⌊log₁₀ n⌋)
    /// consecutive |ρ̂| stay below 2√(log₁₀ n / n); M = min(2·max(m̂, 1), ⌈√n⌉ + k_n);
    /// h(x) = min(1, 2(1 − |x|)); G = Σ_{|k|≤M} h(k/M)|k|γ̂_k; σ̂² = Σ_{|k|≤M} h(k/M)γ̂_k;
    /// b = (2G² / (c σ̂⁴))^{1/3} n^{1/3} with c = 2 (stationary) or 4/3 (circular), capped at
    /// ⌈min(3√n, n/3)⌉. The lag-k correlation uses arch's normalisation for identical results.
    public init(_ x: [Double]) {
        let n = x.count
        precondition(n >= 2, "OptimalBlockLength needs at least 2 observations")
        let nd = Double(n)
        var mean = 0.0
        for v in x { mean += v }
        mean /= nd
        let eps = x.map { $0 - mean }
        let bMax = ceil(min(3 * nd.squareRoot(), nd / 3))
        let kn = max(5, Int(log10(nd)))
        let mMax = min(Int(ceil(nd.squareRoot())) + kn, n - 2)
        let cv = 2 * (log10(nd) / nd).squareRoot()
        var acv = [Double](repeating: 0, count: mMax + 1)
        var absCorrelation = [Double](repeating: 0, count: mMax + 1)
        var total = 0.0
        for v in eps { total += v * v }
        var optM: Int? = nil
        eps.withUnsafeBufferPointer { e in
            for i in 0...mMax {
                // v1 = Σ_{t>i} ε_t², v2 = Σ_{t<n−i−1} ε_t² (arch's slices), cross = Σ_{t≥i} ε_t ε_{t−i}
                var v1 = total, v2 = total
                for t in 0...i { v1 -= e[t] * e[t] }
                for t in (n - i - 1)..<n { v2 -= e[t] * e[t] }
                var cross = 0.0
                var t = i
                while t < n { cross += e[t] * e[t &- i]; t &+= 1 }
                acv[i] = cross / nd
                absCorrelation[i] = abs(cross) / (v1 * v2).squareRoot()
                if i >= kn, optM == nil, absCorrelation[(i - kn)..<i].allSatisfy({ $0 < cv }) { optM = i - kn }
            }
        }
        let m = min(optM.map { 2 * max($0, 1) } ?? mMax, mMax)
        var g = 0.0, longRun = acv[0]
        if m >= 1 {
            for k in 1...m {
                let ratio = Double(k) / Double(m)
                let lambda = ratio <= 0.5 ? 1 : 2 * (1 - ratio)
                g += 2 * lambda * Double(k) * acv[k]
                longRun += 2 * lambda * acv[k]
            }
        }
        let dSB = 2 * longRun * longRun, dCB = 4.0 / 3.0 * longRun * longRun
        func length(_ d: Double) -> Double {
            guard d > 0 else { return 1 }
            let b = pow(2 * g * g / d, 1.0 / 3.0) * pow(nd, 1.0 / 3.0)
            return b.isFinite ? min(b, bMax) : bMax
        }
        stationary = length(dSB)
        circular = length(dCB)
    }
}
