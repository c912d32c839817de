// Sanity gates before a backtest: signal rows outside the price dates, conflicting duplicates, implausible price jumps.
import MarketData
import MarketSupport

/// What the gates found (written to metrics.json under `sanity`, and to stderr by the CLI).
public struct BacktestSanity: Sendable, Equatable {
    /// One signal row the gates set aside: ticker, date and why.
    public struct Row: Sendable, Equatable {
        public var ticker: String
        public var date: DayNumber
        public var reason: String
    }
    /// One price bar flagged as an implausible jump: never traded, never used for marks.
    public struct FlaggedBar: Sendable, Equatable {
        public var ticker: String
        public var date: DayNumber
        /// The largest factor between this bar's prices and the previous real close (≥ 1; +∞ for a bad price).
        public var factor: Double
    }

    /// Rows dated outside the price data (dropped; an error unless allowed).
    public var outOfRange: [Row] = []
    /// Rows of a (ticker, date) that carries different actions (all dropped; an error unless allowed).
    public var conflicting: [Row] = []
    /// Bars flagged by the jump bound.
    public var flaggedBars: [FlaggedBar] = []

    public init() {}

    /// The rows kept for the simulation. Throws `BacktestError` naming the first offending row when a gate
    /// fails and its `allow…` switch is off.
    public static func screen(records: [SignalRecord], prices: PriceMatrix, configuration: BacktestConfiguration,
                       into sanity: inout BacktestSanity) throws -> [SignalRecord] {
        guard let first = prices.dates.first, let last = prices.dates.last else { return records }
        // Each ticker's first and last real (or flagged) bar.
        let n = prices.assetCount
        var span: [String: (DayNumber, DayNumber)] = [:]
        for a in 0..<n {
            var lo: DayNumber?, hi: DayNumber?
            for d in 0..<prices.dateCount where prices.status[d * n + a] != BarStatus.missing.rawValue {
                if lo == nil { lo = prices.dates[d] }
                hi = prices.dates[d]
            }
            if let lo, let hi { span[prices.tickers[a]] = (lo, hi) }
        }
        var actions: [String: Set<SignalAction>] = [:]
        func key(_ r: SignalRecord) -> String { "\(r.ticker)\u{0}\(r.date)" }
        for record in records { actions[key(record), default: []].insert(record.signal) }
        var kept: [SignalRecord] = []
        kept.reserveCapacity(records.count)
        for record in records {
            if actions[key(record)]!.count > 1 {
                sanity.conflicting.append(Row(ticker: record.ticker, date: record.date,
                                              reason: "conflicting actions for one ticker and date"))
                continue
            }
            var outside = record.date < first || record.date > last
            if !outside, record.signal != .hold, let (lo, hi) = span[record.ticker] {
                outside = record.date < lo || record.date > hi
            }
            if outside {
                sanity.outOfRange.append(Row(ticker: record.ticker, date: record.date, reason: "outside the price dates"))
                continue
            }
            kept.append(record)
        }
        if !configuration.allowConflictingSignals, let row = sanity.conflicting.first {
            throw BacktestError("\(row.ticker) \(CivilDate.isoString(row.date)): \(sanity.conflicting.count) rows with conflicting "
                                + "actions for one ticker and date (use --allow conflicts to drop them and go on)")
        }
        if !configuration.allowOutOfRangeSignals, let row = sanity.outOfRange.first {
            throw BacktestError("\(row.ticker) \(CivilDate.isoString(row.date)): \(sanity.outOfRange.count) signal rows dated "
                                + "outside the price data \(CivilDate.isoString(first))…\(CivilDate.isoString(last)) "
                                + "or their ticker's bars (use --allow out-of-range to drop them and go on)")
        }
        return kept
    }

    /// `prices` with every implausible bar's status set to `.flagged`, the flagged bars appended to `flaggedBars`.
    /// A bar is implausible when a price is not positive and finite, or when its open/high/low/close differs by
    /// more than `bound` (×bound or ÷bound) both from the previous real close and from the last unflagged close:
    /// a one-bar spike flags the spike only (the bar back is normal against the bar before the spike), a lasting
    /// level change flags only the bar where it happens.
    public static func flagJumps(_ prices: PriceMatrix, bound: Double, into sanity: inout BacktestSanity) -> PriceMatrix {
        precondition(bound > 1, "BacktestSanity: the jump bound must be > 1, got \(bound)")
        let n = prices.assetCount
        var status = prices.status
        var flagged: [(Int, FlaggedBar)] = []
        func jump(_ v: Double, _ reference: Double) -> Double { reference.isFinite ? max(v / reference, reference / v) : 1 }
        for a in 0..<n {
            var previous = Double.nan, lastGood = Double.nan   // previous real close; last unflagged close
            for d in 0..<prices.dateCount {
                let cell = d * n + a
                guard status[cell] == BarStatus.real.rawValue else { continue }
                var factor = 1.0
                for v in [prices.open[cell], prices.high[cell], prices.low[cell], prices.close[cell]] {
                    if !(v > 0 && v.isFinite) { factor = .infinity; break }
                    factor = max(factor, min(jump(v, previous), jump(v, lastGood)))
                }
                let close = prices.close[cell]
                if factor > bound {
                    status[cell] = BarStatus.flagged.rawValue
                    flagged.append((d, FlaggedBar(ticker: prices.tickers[a], date: prices.dates[d], factor: factor)))
                } else {
                    lastGood = close
                }
                if close > 0 && close.isFinite { previous = close }
            }
        }
        guard !flagged.isEmpty else { return prices }
        // Date order, then ticker: the report does not depend on asset order.
        sanity.flaggedBars += flagged.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.ticker < $1.1.ticker }.map(\.1)
        return PriceMatrix(tickers: prices.tickers, dates: prices.dates, open: prices.open, high: prices.high,
                           low: prices.low, close: prices.close, status: status)
    }
}
