// Preprocessing: an OHLCV series turned into the per-day components the block bootstrap resamples.
import Foundation
import MarketData
import MarketSupport

/// Errors of the synthetic engine (bad inputs and unreachable targets), each with a one-line reason.
public enum SyntheticError: Error, CustomStringConvertible, Equatable {
    /// The source has too few usable bars (positive, finite prices) to bootstrap.
    case tooShort(usable: Int, needed: Int)
    /// Rejection sampling did not reach the target fidelity within the attempt budget.
    case fidelityNotReached(sample: Int, attempts: Int, best: Double, target: Double)
    /// An argument out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .tooShort(usable, needed):
            return "source has \(usable) usable bars (positive, finite prices); at least \(needed) are needed"
        case let .fidelityNotReached(sample, attempts, best, target):
            return "sample \(sample): no candidate reached fidelity \(format(target)) in \(attempts) attempts "
                + "(best seen \(format(best))); lower --min-fidelity or raise --max-attempts"
        case let .invalidArgument(reason):
            return reason
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// The per-day components of a source series, as parallel arrays of length n (one entry per day
/// after the first usable bar). A bootstrap block copies the same days of every array, so each
/// synthetic day keeps its own return, candle shape and volume together.
///
/// For day t (usable bars only; bars with non-positive or non-finite prices are skipped):
/// - `logReturn[t]   = log(C_t / C_{t-1})`
/// - `highRatio[t]   = log(H_t / C_t)`, `lowRatio[t] = log(L_t / C_t)`, `openGap[t] = log(O_t / C_{t-1})`
/// - `volumeRatio[t] = log((1 + V_t) / (1 + V̄))` with `V̄ + 1` the geometric mean of `1 + V` over the
///   source, a stationary level (a random walk of day-to-day volume ratios would drift without bound).
public struct BootstrapSource: Sendable {
    public var logReturn: [Double]
    public var highRatio: [Double]
    public var lowRatio: [Double]
    public var openGap: [Double]
    public var volumeRatio: [Double]
    /// `log(1 + V̄)`: the source's mean log volume level (0 when it has no volume).
    public var meanLogVolume: Double
    /// The first usable close (a natural start price for generated paths).
    public var firstClose: Double
    /// The last usable close.
    public var lastClose: Double
    /// True when the source trades on weekends (crypto): generated dates then run every calendar day.
    public var tradesWeekends: Bool

    /// Number of days (returns).
    public var count: Int { logReturn.count }

    /// Minimum number of usable bars a source needs.
    public static let minimumBars = 32

    /// Decomposes `series` (bars flagged synthetic are used like real ones; callers filter first
    /// when they must not be). Throws `SyntheticError.tooShort` below `minimumBars` usable bars.
    public init(series: OHLCVSeries) throws {
        try self.init(open: series.open, high: series.high, low: series.low, close: series.close,
                      volume: series.volume, dates: series.dates)
    }

    /// Decomposes parallel OHLCV arrays (see `init(series:)`).
    public init(open: [Double], high: [Double], low: [Double], close: [Double], volume: [Double],
                dates: [DayNumber] = []) throws {
        let n = close.count
        precondition(open.count == n && high.count == n && low.count == n && volume.count == n,
                     "BootstrapSource: arrays of different lengths")
        var usable: [Int] = []
        usable.reserveCapacity(n)
        for i in 0..<n {
            let o = open[i], h = high[i], l = low[i], c = close[i]
            if o.isFinite, h.isFinite, l.isFinite, c.isFinite, o > 0, h > 0, l > 0, c > 0 { usable.append(i) }
        }
        guard usable.count >= Self.minimumBars else {
            throw SyntheticError.tooShort(usable: usable.count, needed: Self.minimumBars)
        }
        var sumLogVolume = 0.0
        for i in usable { sumLogVolume += log1p(max(volume[i].isFinite ? volume[i] : 0, 0)) }
        meanLogVolume = sumLogVolume / Double(usable.count)
        let m = usable.count - 1
        logReturn = [Double](repeating: 0, count: m)
        highRatio = logReturn; lowRatio = logReturn; openGap = logReturn; volumeRatio = logReturn
        for t in 0..<m {
            let previous = usable[t], i = usable[t + 1]
            let c = close[i], cp = close[previous]
            let o = open[i]
            let h = max(high[i], o, c), l = min(low[i], o, c)   // repair inconsistent candles
            logReturn[t] = log(c / cp)
            highRatio[t] = log(h / c)
            lowRatio[t] = log(l / c)
            openGap[t] = log(o / cp)
            volumeRatio[t] = log1p(max(volume[i].isFinite ? volume[i] : 0, 0)) - meanLogVolume
        }
        firstClose = close[usable[0]]
        lastClose = close[usable[m]]
        tradesWeekends = dates.contains { CivilDate.weekday($0) >= 5 }
    }
}
