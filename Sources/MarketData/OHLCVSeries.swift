// One asset's daily bars as parallel arrays (structure of arrays), with a synthetic flag per bar.
import MarketSupport

/// Daily OHLCV bars of one asset, sorted by date, as parallel arrays of equal length.
///
/// Prices are adjusted (when the source had `Adj Close`) and positive; `isSynthetic[i]` marks a bar
/// produced by the synthetic engine (gap fill, back-fill or a missing asset): such bars are never
/// traded or scored as real.
public struct OHLCVSeries: Sendable, Equatable {
    /// Dates of the bars, strictly increasing.
    public var dates: [DayNumber]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    /// Volume (≥ 0; 0 when the source has none, e.g. forex).
    public var volume: [Double]
    /// True for bars made by the synthetic engine.
    public var isSynthetic: [Bool]

    /// Builds a series; all arrays must have the same length. `isSynthetic` defaults to all-real.
    public init(dates: [DayNumber], open: [Double], high: [Double], low: [Double], close: [Double],
                volume: [Double], isSynthetic: [Bool]? = nil) {
        precondition(open.count == dates.count && high.count == dates.count && low.count == dates.count
                     && close.count == dates.count && volume.count == dates.count,
                     "OHLCVSeries: arrays of different lengths")
        self.dates = dates
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.isSynthetic = isSynthetic ?? Array(repeating: false, count: dates.count)
        precondition(self.isSynthetic.count == dates.count, "OHLCVSeries: isSynthetic of a different length")
    }

    /// An empty series.
    public static let empty = OHLCVSeries(dates: [], open: [], high: [], low: [], close: [], volume: [])

    /// Number of bars.
    public var count: Int { dates.count }

    /// The bars in `range` (a copy).
    public func slice(_ range: Range<Int>) -> OHLCVSeries {
        OHLCVSeries(dates: Array(dates[range]), open: Array(open[range]), high: Array(high[range]),
                    low: Array(low[range]), close: Array(close[range]), volume: Array(volume[range]),
                    isSynthetic: Array(isSynthetic[range]))
    }

    /// The index of the last bar dated on or before `day`, or nil when every bar is later.
    public func lastIndex(onOrBefore day: DayNumber) -> Int? {
        var lo = 0, hi = dates.count   // first index with date > day
        while lo < hi {
            let mid = (lo + hi) / 2
            if dates[mid] <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }
}
