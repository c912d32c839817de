// A missing asset synthesised from its category: it moves with its real peers on the same days (a category factor)
// plus a block-bootstrapped idiosyncratic part, so the filled rows keep the category's cross-correlation.
import Foundation
import MarketData
import MarketSupport

extension GapFiller {
    /// The category's common move per calendar date: the mean log close-to-close return of `peers` (real bars only,
    /// each return from the peer's previous real bar) on every date at least one of them has a return for.
    /// Nothing but the given bars is read (callers cut them at the fill point).
    public static func categoryFactor(_ peers: [OHLCVSeries]) -> [DayNumber: Double] {
        var sum: [DayNumber: Double] = [:], count: [DayNumber: Int] = [:]
        for peer in peers where peer.count > 1 {
            for i in 1..<peer.count where !peer.isSynthetic[i] && !peer.isSynthetic[i - 1] {
                let r = log(peer.close[i] / peer.close[i - 1])
                guard r.isFinite else { continue }
                sum[peer.dates[i], default: 0] += r
                count[peer.dates[i], default: 0] += 1
            }
        }
        return sum.reduce(into: [:]) { out, entry in out[entry.key] = entry.value / Double(count[entry.key]!) }
    }

    /// A missing asset's bars on `dates` from its category's real days (the "category draw" of the gap filler).
    ///
    /// Model: on a fill date t, the asset's log return is `α + β·f_t + e_s`, where `f_t` is the category factor of
    /// `peers` on that very date (`categoryFactor`), α and β are the least-squares fit of `donor`'s returns on the same
    /// factor (the donor is not one of `peers`, so the fit is not biased towards 1), and `e_s` is the donor's residual
    /// on a source day s drawn by a block bootstrap over the fitted days (stationary or circular, automatic block
    /// length); the candle shape (open gap, high/low ratios) and volume of day t are the donor's of day s. On a fill
    /// date without a peer return the donor's whole return of day s is used (the plain peer bootstrap). So the asset
    /// co-moves with its category as the donor does (its correlation with each peer ≈ the donor's), where the old
    /// one-peer bootstrap, drawn from other days, was uncorrelated with what the peers did that day.
    ///
    /// Causal and deterministic: only the bars passed in are read (callers cut `donor` and `peers` at the fill point,
    /// `asOf`); a date's bar uses peer bars of that date and earlier only; the draws come from (`seed`, `key`, first
    /// date) as in `synthesize`. Returns nil when the fit has fewer than `BootstrapSource.minimumBars` days (or the
    /// donor cannot be decomposed) — the caller then uses the plain peer bootstrap.
    /// - Returns: the bars (every one flagged synthetic) and β.
    public static func synthesizeFromCategory(dates: [DayNumber], donor: OHLCVSeries, peers: [OHLCVSeries], startPrice: Double,
                                              seed: UInt64, key: UInt64, method: BootstrapMethod = .stationary) -> (series: OHLCVSeries, beta: Double)? {
        guard !dates.isEmpty, donor.count > BootstrapSource.minimumBars, !donor.isSynthetic.contains(true),
              let source = try? BootstrapSource(series: donor), source.count == donor.count - 1 else { return nil }
        let factor = categoryFactor(peers)
        // Source day t of `source` is the donor's bar t + 1; the fit uses the days with a factor value.
        var pool: [Int] = [], x: [Double] = []
        for t in 0..<source.count { if let f = factor[donor.dates[t + 1]] { pool.append(t); x.append(f) } }
        guard pool.count >= BootstrapSource.minimumBars else { return nil }
        let y = pool.map { source.logReturn[$0] }
        let n = Double(pool.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for k in 0..<pool.count { sxx += (x[k] - meanX) * (x[k] - meanX); sxy += (x[k] - meanX) * (y[k] - meanY) }
        let beta = sxx > 0 ? sxy / sxx : 0
        let alpha = meanY - beta * meanX
        let residual = (0..<pool.count).map { y[$0] - alpha - beta * x[$0] }

        var rng = SeededRandom(seed: seed ^ key, stream: UInt64(bitPattern: Int64(dates[0])), salt: SeededRandom.syntheticSalt)
        let blockLength = SyntheticEngine.automaticBlockLength(residual, method: method)
        let drawn = draw(dates.count, from: pool.count, method, blockLength, &rng)
        // The bars' components, one entry per fill date (so the reconstruction reads them in order).
        var composed = source
        composed.logReturn = dates.indices.map { t in
            let k = Int(drawn[t])
            return factor[dates[t]].map { alpha + beta * $0 + residual[k] } ?? source.logReturn[pool[k]]
        }
        composed.openGap = drawn.map { source.openGap[pool[Int($0)]] }
        composed.highRatio = drawn.map { source.highRatio[pool[Int($0)]] }
        composed.lowRatio = drawn.map { source.lowRatio[pool[Int($0)]] }
        composed.volumeRatio = drawn.map { source.volumeRatio[pool[Int($0)]] }
        let series = OHLCVReconstruction.bars(from: composed, indices: (0..<dates.count).map { Int32($0) }, startPrice: startPrice, dates: dates)
        return (series, beta)
    }
}
