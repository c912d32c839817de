// Rebuilds consistent OHLCV bars from bootstrapped components and a start price.
import Foundation
import MarketData
import MarketSupport

/// Turns per-day components back into bars.
public enum OHLCVReconstruction {
    /// Builds bars from the source days `indices` (L), starting after a close of `startPrice`.
    ///
    /// `C_t = C_{t−1}·e^{r}`, `O_t = C_{t−1}·e^{gap}`, `H_t = max(C_t·e^{high}, O_t, C_t)`,
    /// `L_t = min(C_t·e^{low}, O_t, C_t)`, `V_t = max(0, (1 + V̄_base)·e^{volumeRatio} − 1)` where
    /// `log(1 + V̄_base) = volumeLevel` (defaults to the source's level). The result always satisfies
    /// Low ≤ min(Open, Close) ≤ max(Open, Close) ≤ High, prices > 0 and volume ≥ 0; every bar is
    /// flagged synthetic.
    public static func bars(from source: BootstrapSource, indices: [Int32], startPrice: Double,
                            dates: [DayNumber], volumeLevel: Double? = nil) -> OHLCVSeries {
        precondition(indices.count == dates.count, "OHLCVReconstruction: \(indices.count) days but \(dates.count) dates")
        precondition(startPrice > 0 && startPrice.isFinite, "OHLCVReconstruction: start price must be positive")
        let count = indices.count
        var open = [Double](repeating: 0, count: count)
        var high = open, low = open, close = open, volume = open
        let level = volumeLevel ?? source.meanLogVolume
        var previous = startPrice
        let tiny = Double.leastNormalMagnitude
        for t in 0..<count {
            let d = Int(indices[t])
            let c = max(previous * exp(source.logReturn[d]), tiny)
            let o = max(previous * exp(source.openGap[d]), tiny)
            close[t] = c
            open[t] = o
            high[t] = max(c * exp(source.highRatio[d]), o, c)
            low[t] = max(min(c * exp(source.lowRatio[d]), o, c), tiny)
            volume[t] = level == 0 && source.meanLogVolume == 0 ? 0 : max(0, expm1(level + source.volumeRatio[d]))
            previous = c
        }
        return OHLCVSeries(dates: dates, open: open, high: high, low: low, close: close, volume: volume,
                           isSynthetic: [Bool](repeating: true, count: count))
    }

    /// `count` dates after `start` (exclusive): every calendar day when `weekends`, else Monday–Friday.
    public static func dates(after start: DayNumber, count: Int, weekends: Bool) -> [DayNumber] {
        var result: [DayNumber] = []
        result.reserveCapacity(count)
        var day = start
        while result.count < count {
            day += 1
            if weekends || CivilDate.weekday(day) < 5 { result.append(day) }
        }
        return result
    }
}
