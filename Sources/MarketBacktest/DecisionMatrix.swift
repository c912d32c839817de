// Signals turned into a (D, N) grid of decisions, each placed at the first open after the close it was decided at.
import MarketData

/// Decisions per (date, asset) of a `PriceMatrix`, and the window [startRow, endRow] to simulate.
///
/// `decisions[d * N + a]` is +1 (BUY), −1 (SELL) or 0 (HOLD or no row): the decisions taken at the
/// close of any date in [dates[d-1], dates[d]) — so they can only act at the open of row d or later.
/// Look-ahead is impossible by construction: a signal dated t lands on the first row dated after t.
public struct DecisionMatrix: Sendable {
    /// +1 / −1 / 0, (D, N), date-major like the prices.
    public var decisions: [Int8]
    /// The row whose close is the start of the backtest (equity = capital there).
    public var startRow: Int
    /// The last row simulated; positions still open are closed at its close.
    public var endRow: Int
    /// Tickers of signal rows that have no prices (listed in the report, never silently dropped).
    public var unmatchedTickers: [String]
    /// True for assets with at least one signal row in the window, (N).
    public var hasSignals: [Bool]

    /// Builds the decision grid of a ready (D, N) buffer (for benchmarks and tests); `hasSignals` = every asset.
    public init(decisions: [Int8], assetCount: Int, startRow: Int, endRow: Int) {
        precondition(startRow <= endRow, "DecisionMatrix: startRow \(startRow) > endRow \(endRow)")
        self.decisions = decisions
        self.startRow = startRow
        self.endRow = endRow
        self.unmatchedTickers = []
        self.hasSignals = Array(repeating: true, count: assetCount)
    }

    /// Places `records` on `prices`. The window starts at the last price date on or before the first signal
    /// date and ends at the last price date on or before `end` (default: the last signal date).
    /// Returns nil when no record matches an asset with prices inside the price calendar.
    public init?(records: [SignalRecord], prices: PriceMatrix, end: DayNumber? = nil) {
        let n = prices.assetCount
        var assetIndex: [String: Int] = [:]
        for (a, ticker) in prices.tickers.enumerated() { assetIndex[ticker] = a }
        var unmatched = Set<String>()
        let matched = records.filter { record in
            if assetIndex[record.ticker] == nil { unmatched.insert(record.ticker); return false }
            return true
        }
        guard let firstDate = matched.map(\.date).min(), let lastDate = matched.map(\.date).max(),
              !prices.dates.isEmpty else { return nil }
        let startRow = prices.lastRow(onOrBefore: firstDate) ?? 0
        guard let endRow = prices.lastRow(onOrBefore: end ?? lastDate), endRow >= startRow else { return nil }
        var decisions = [Int8](repeating: 0, count: prices.dateCount * n)
        var hasSignals = [Bool](repeating: false, count: n)
        // Records are applied in date order, so a later decision for the same open replaces an earlier one.
        for record in matched.sorted(by: { $0.date < $1.date }) {
            let row = max(prices.firstRow(after: record.date), startRow + 1)
            let a = assetIndex[record.ticker]!
            if record.date <= prices.dates[endRow] { hasSignals[a] = true }
            guard row <= endRow else { continue }
            switch record.signal {
            case .buy: decisions[row * n + a] = 1
            case .sell: decisions[row * n + a] = -1
            case .hold: decisions[row * n + a] = 0
            }
        }
        self.decisions = decisions
        self.startRow = startRow
        self.endRow = endRow
        self.unmatchedTickers = unmatched.sorted()
        self.hasSignals = hasSignals
    }
}
