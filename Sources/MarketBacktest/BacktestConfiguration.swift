// The knobs of a backtest: mode, costs, stops, sizing, capital and annualisation (configs/backtest.yaml, CLI flags).

/// How signals map to positions.
public enum BacktestMode: String, Sendable, CaseIterable {
    /// The design's rule: BUY opens a long, SELL closes it, HOLD keeps whatever is held (never short).
    case longOnly = "long_only"
    /// BUY goes (or stays) long, SELL goes (or stays) short; HOLD — and an asset missing from a day's
    /// file — keeps the current position, long, short or flat. A flip closes one trade and opens another.
    case longShort = "long_short"
}

/// How large a new position is.
public enum PositionSizing: Sendable, Equatable {
    /// Equal weight across open positions: whenever the set of positions changes (an entry, an exit or a
    /// stop), every position that can trade at that open is resized to (equity − costs) / k, k = open positions.
    case equalWeight
    /// Each new position gets this fraction of the equity at the open it fills; others are not resized.
    /// In long_only an entry is cut to the cash available (never leverage).
    case fixedFraction(Double)
}

/// Every parameter of a backtest, with the design's defaults.
public struct BacktestConfiguration: Sendable, Equatable {
    /// long_only (default) or long_short.
    public var mode: BacktestMode = .longOnly
    /// Commission per side as a fraction of the traded value (default 0.00125 = 0.125%).
    public var commission: Double = 0.00125
    /// Slippage in basis points: buys fill at price × (1 + bps/1e4), sells at price × (1 − bps/1e4) (default 0).
    public var slippageBps: Double = 0
    /// Borrow cost of shorts, a yearly fraction of the short's value, pro rata by calendar days (default 0.0025):
    /// each calendar day held costs |shares| × previous close (the fill price on the entry day) × rate / 365.
    public var borrowRate: Double = 0.0025
    /// Stop-loss as a fraction of the entry price (0.05 = exit 5% against the trade); nil = none.
    public var stopLoss: Double? = nil
    /// Take-profit as a fraction of the entry price; nil = none.
    public var takeProfit: Double? = nil
    /// Position sizing (default equal weight).
    public var sizing: PositionSizing = .equalWeight
    /// Starting equity (default 10,000).
    public var initialCapital: Double = 10_000
    /// Bars per year for annualising; nil = the calendar's own density (rows per 365.25 days), 252 for short windows.
    public var barsPerYear: Double? = nil
    /// Number of strategy variants tried, for the deflated Sharpe ratio (default 1: DSR = PSR).
    public var trials: Int = 1
    /// Sanity bound on one bar's price move: a bar whose open, high, low or close is more than this factor above
    /// (or below 1/this factor of) the previous real close is flagged, listed in the report, and never traded or
    /// marked (default 5: a ×5 or ÷5 jump). Must be > 1.
    public var maxPriceJump: Double = 5
    /// Accept signal rows dated outside the price data (before the first or after the last date; for BUY/SELL,
    /// outside their own ticker's bars): they are then dropped and counted instead of failing the run.
    public var allowOutOfRangeSignals = false
    /// Accept conflicting duplicates (one ticker and date with different actions): all of them are then dropped
    /// (no decision that day) and counted instead of failing the run.
    public var allowConflictingSignals = false

    public init() {}
}
