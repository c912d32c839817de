// Signals turned into a (D, N) grid of decisions, each placed at the first open after the close it was decided at.
import MarketData
import MarketSupport

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
        guard let placement = InstructionPlacement(dates: records.map(\.date), tickers: records.map(\.ticker),
                                                   prices: prices, end: end) else { return nil }
        let n = prices.assetCount
        var decisions = [Int8](repeating: 0, count: prices.dateCount * n)
        for (row, a, item) in placement.placed {
            switch records[item].signal {
            case .buy: decisions[row * n + a] = 1
            case .sell: decisions[row * n + a] = -1
            case .hold: decisions[row * n + a] = 0
            }
        }
        self.decisions = decisions
        self.startRow = placement.startRow
        self.endRow = placement.endRow
        self.unmatchedTickers = placement.unmatchedTickers
        self.hasSignals = placement.hasInstructions
    }
}
