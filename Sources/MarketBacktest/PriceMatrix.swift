// Prices of N assets aligned on one calendar as flat (D, N) buffers, with a real/synthetic/missing status per cell.
import MarketData
import MarketSupport

/// What a cell of a `PriceMatrix` holds.
public enum BarStatus: UInt8, Sendable {
    /// The asset has no bar on this date (another asset's calendar).
    case missing = 0
    /// A real bar: may be traded and used for marks, stops and fills.
    case real = 1
    /// A bar made by the synthetic engine: never traded, never used for marks.
    case synthetic = 2
    /// A real bar whose prices jumped beyond `BacktestConfiguration.maxPriceJump` against the previous real bar
    /// (or are not positive and finite): listed in the report, never traded, never used for marks.
    case flagged = 3
}

/// N assets' OHLC on the union of their calendars, date-major: cell (d, a) is at `d * N + a`.
///
/// Buffers are (D, N) with D = `dates.count`, N = `tickers.count`; prices of a missing cell are NaN.
public struct PriceMatrix: Sendable {
    /// Asset tickers, (N).
    public let tickers: [String]
    /// The union calendar, strictly increasing, (D).
    public let dates: [DayNumber]
    /// Prices, (D, N).
    public let open: [Double], high: [Double], low: [Double], close: [Double]
    /// `BarStatus` raw values, (D, N).
    public let status: [UInt8]

    /// Number of assets N.
    public var assetCount: Int { tickers.count }
    /// Number of dates D.
    public var dateCount: Int { dates.count }

    /// Wraps ready (D, N) buffers; every buffer must hold `dates.count * tickers.count` values.
    public init(tickers: [String], dates: [DayNumber], open: [Double], high: [Double], low: [Double],
                close: [Double], status: [UInt8]) {
        let cells = dates.count * tickers.count
        precondition(open.count == cells && high.count == cells && low.count == cells && close.count == cells
                     && status.count == cells, "PriceMatrix: buffers must be (D, N) = \(dates.count) × \(tickers.count)")
        self.tickers = tickers
        self.dates = dates
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.status = status
    }

    /// Aligns `series[a]` (the bars of `tickers[a]`) on the union of their dates.
    public init(tickers: [String], series: [OHLCVSeries]) {
        precondition(tickers.count == series.count, "PriceMatrix: \(tickers.count) tickers, \(series.count) series")
        let dates = Array(Set(series.flatMap(\.dates))).sorted()
        let n = tickers.count, cells = dates.count * n
        var open = [Double](repeating: .nan, count: cells), high = open, low = open, close = open
        var status = [UInt8](repeating: BarStatus.missing.rawValue, count: cells)
        for (a, bars) in series.enumerated() {
            var d = 0
            for i in 0..<bars.count {
                while dates[d] < bars.dates[i] { d += 1 }
                let cell = d * n + a
                open[cell] = bars.open[i]
                high[cell] = bars.high[i]
                low[cell] = bars.low[i]
                close[cell] = bars.close[i]
                status[cell] = bars.isSynthetic[i] ? BarStatus.synthetic.rawValue : BarStatus.real.rawValue
            }
        }
        self.init(tickers: tickers, dates: dates, open: open, high: high, low: low, close: close, status: status)
    }

    /// The index of the last date ≤ `day`, or nil when every date is later.
    public func lastRow(onOrBefore day: DayNumber) -> Int? {
        let first = firstRow(after: day)
        return first == 0 ? nil : first - 1
    }

    /// The index of the first date > `day` (`dateCount` when none).
    public func firstRow(after day: DayNumber) -> Int {
        var lo = 0, hi = dates.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if dates[mid] <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
