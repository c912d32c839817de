// Target weights turned into a (D, N) grid of instructions, each placed at the first open after the close it was decided at.
import MarketData
import MarketSupport

/// Target-weight instructions per (date, asset) of a `PriceMatrix`, and the window [startRow, endRow] to simulate.
///
/// `weights[d * N + a]` is the target weight (signed fraction of equity) decided at the latest close in
/// [dates[d-1], dates[d]), or NaN when no row was decided then (the asset keeps what it holds). Like
/// `DecisionMatrix`, a row dated t lands on the first price row dated after t: look-ahead is impossible by construction.
public struct WeightMatrix: Sendable {
    /// Target weights or NaN, (D, N), date-major like the prices.
    public var weights: [Double]
    /// The row whose close is the start of the backtest (equity = capital there).
    public var startRow: Int
    /// The last row simulated; positions still open are closed at its close.
    public var endRow: Int
    /// Tickers of weight rows that have no prices (reported, never silently dropped).
    public var unmatchedTickers: [String]
    /// True for assets with at least one weight row in the window, (N).
    public var hasWeights: [Bool]

    /// Places `rows` on `prices`. The window starts at the last price date on or before the first row's date and
    /// ends at the last price date on or before `end` (default: the last row's date). Nil when no row matches a
    /// priced asset inside the price calendar.
    public init?(rows: [TargetWeight], prices: PriceMatrix, end: DayNumber? = nil) {
        guard let placement = InstructionPlacement(dates: rows.map(\.date), tickers: rows.map(\.ticker),
                                                   prices: prices, end: end) else { return nil }
        let n = prices.assetCount
        var weights = [Double](repeating: .nan, count: prices.dateCount * n)
        for (row, a, item) in placement.placed { weights[row * n + a] = rows[item].weight }
        self.weights = weights
        self.startRow = placement.startRow
        self.endRow = placement.endRow
        self.unmatchedTickers = placement.unmatchedTickers
        self.hasWeights = placement.hasInstructions
    }
}
