// One round trip of one asset: entry, exit, costs and P&L.

/// Why a trade ended.
public enum ExitReason: String, Sendable {
    /// A SELL (long_only) or the opposite signal (long_short).
    case signal
    /// The stop-loss price was touched (checked against the day's High/Low; the stop wins a tie).
    case stopLoss = "stop_loss"
    /// The take-profit price was touched.
    case takeProfit = "take_profit"
    /// Still open at the end of the backtest: closed at the last close.
    case end
}

/// A round trip: opened at one fill, possibly resized by equal-weight rebalancing, closed at another.
public struct Trade: Sendable, Equatable {
    /// Asset index into the price matrix's tickers.
    public var asset: Int
    /// +1 long, −1 short.
    public var direction: Int
    /// Row (price-matrix index) and price (after slippage) of the opening fill.
    public var entryRow: Int, entryPrice: Double
    /// Shares of the opening fill (positive).
    public var entryShares: Double
    /// Row and price (after slippage) of the closing fill; −1 / NaN while open.
    public var exitRow: Int = -1, exitPrice: Double = .nan
    public var exitReason: ExitReason = .end
    /// Σ over fills of −Δshares × price: the trade's cash flow before costs.
    public var grossFlow: Double = 0
    /// Commissions paid on the trade's fills.
    public var commission: Double = 0
    /// Borrow fees paid while short.
    public var borrow: Double = 0

    /// Net profit: cash flow minus commissions and borrow.
    public var pnl: Double { grossFlow - commission - borrow }
    /// Net profit as a fraction of the opening notional.
    public var returnFraction: Double { pnl / (entryShares * entryPrice) }
}
