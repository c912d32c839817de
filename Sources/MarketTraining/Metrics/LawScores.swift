// Scores of any predictive law (Gaussian, Student-t, mixtures) against targets: per-target NLL, CRPS and PIT.
import Dispatch
import MarketData

/// Per-target scores of `ForecastLaws` against realised targets, each computed with the law itself
/// (log density, mixture CDF, closed-form or mixture CRPS — see `PredictiveLaw`). A target is *valid*
/// when it is finite and its law has finite locations and positive finite scales; invalid entries are NaN.
public struct LawScores: Sendable {
    /// (N) −ln p(y) in nats.
    public var negativeLogLikelihood: [Double]
    /// (N) CRPS in target units.
    public var crps: [Double]
    /// (N) PIT values F(y) in [0, 1].
    public var pit: [Double]

    /// Per-target scores given directly (e.g. a subset of another `LawScores`).
    public init(negativeLogLikelihood: [Double], crps: [Double], pit: [Double]) {
        precondition(negativeLogLikelihood.count == crps.count && crps.count == pit.count, "LawScores: lengths differ")
        self.negativeLogLikelihood = negativeLogLikelihood
        self.crps = crps
        self.pit = pit
    }

    /// Scores `laws[i]` against `target[i]` (equal lengths), in parallel over blocks of targets.
    public init(target: [Double], laws: ForecastLaws) {
        precondition(target.count == laws.count, "LawScores: \(target.count) targets, \(laws.count) laws")
        let n = target.count
        var nll = [Double](repeating: .nan, count: n), crps = nll, pit = nll
        let blocks = max(1, min(64, n / 512))
        nll.withUnsafeMutableBufferPointer { nllBuffer in
            crps.withUnsafeMutableBufferPointer { crpsBuffer in
                pit.withUnsafeMutableBufferPointer { pitBuffer in
                    let (a, b, c) = (nllBuffer.baseAddress!, crpsBuffer.baseAddress!, pitBuffer.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: blocks) { block in
                        for i in (block * n / blocks)..<((block + 1) * n / blocks) {
                            let y = target[i]
                            guard y.isFinite, laws.isValid(i) else { continue }
                            let law = laws[i]
                            a[i] = law.negativeLogLikelihood(y)
                            b[i] = law.crps(y)
                            c[i] = law.cdf(y)
                        }
                    }
                }
            }
        }
        negativeLogLikelihood = nll
        self.crps = crps
        self.pit = pit
    }

    /// Valid entries.
    public var validCount: Int { pit.reduce(0) { $0 + ($1.isNaN ? 0 : 1) } }

    /// Mean over valid entries of `values` (NaN when none).
    public static func meanOverValid(_ values: [Double]) -> Double {
        var sum = 0.0, count = 0
        for v in values where !v.isNaN { sum += v; count += 1 }
        return count > 0 ? sum / Double(count) : .nan
    }

    /// Fraction of valid targets inside the central `level` interval, i.e. |PIT − ½| ≤ level/2.
    public func coverage(level: Double) -> Double {
        precondition(level > 0 && level < 1, "coverage level must be in (0, 1), got \(level)")
        var inside = 0, count = 0
        for u in pit where !u.isNaN { count += 1; if abs(u - 0.5) <= level / 2 { inside += 1 } }
        return count > 0 ? Double(inside) / Double(count) : .nan
    }

    /// PIT histogram with `bins` equal bins of [0, 1] (fractions; u = 1 in the last bin).
    public func pitHistogram(bins: Int = 10) -> [Double] {
        precondition(bins > 0, "bins must be positive")
        var counts = [Double](repeating: 0, count: bins), total = 0.0
        for u in pit where !u.isNaN { counts[min(bins - 1, max(0, Int(u * Double(bins))))] += 1; total += 1 }
        return counts.map { total > 0 ? $0 / total : .nan }
    }
}
