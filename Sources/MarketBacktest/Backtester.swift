// The bar-by-bar simulation: decisions at close t fill at open t+1, costs, borrow, stops, sizing, marks.
import MarketData
import MarketSupport

/// What a simulation produced: curves over rows [startRow, endRow] and the trades.
public struct BacktestRun: Sendable {
    /// Dates of the simulated rows, (R) with R = endRow − startRow + 1.
    public var dates: [DayNumber]
    /// The price-matrix row of `dates[0]` (trades store price-matrix rows).
    public var startRow: Int
    /// Strategy equity at each close, (R); `equity[0]` is the initial capital.
    public var equity: [Double]
    /// The buy-and-hold benchmark (`Backtester.benchmark`: equal weight of every asset with an input row), (R).
    public var benchmark: [Double]
    /// Σ |position value| / equity at each close, (R).
    public var grossExposure: [Double]
    /// Every trade, in the order opened (closed ones and those closed at the end).
    public var trades: [Trade]
    /// Σ |shares × price| over every fill, rebalancing included.
    public var tradedValue: Double
    /// Asset-days on which a wanted fill waited because the asset's bar was synthetic or missing.
    public var blockedFills: Int
    /// Entries cut (or skipped) because long_only had too little cash (fixed-fraction sizing).
    public var cashLimitedEntries: Int
    /// Entries dropped at their open because long_only had no cash left after that open's exits
    /// (fixed-fraction sizing); the asset then waits for a fresh signal.
    public var droppedEntries: Int = 0
    /// Assets in the benchmark: every asset with at least one signal (or weight) row in the window (indices into
    /// the price matrix).
    public var benchmarkAssets: [Int]
}

/// Simulates a `DecisionMatrix` against a `PriceMatrix`.
///
/// Timeline of row d (rows startRow+1 … endRow):
/// 1. the decisions placed on row d (taken at earlier closes) update each asset's target (+1/−1/0);
/// 2. at the open, every asset whose position differs from its target fills at the open — only on a real
///    bar; on a synthetic or missing bar the fill waits for the next real one (counted in `blockedFills`);
///    borrow for a closing short is charged up to this day;
/// 3. during the day, stop-loss / take-profit are checked against High/Low of real bars (a gap through the
///    level fills at the open; the stop wins when both are touched); a stopped asset needs a new signal;
/// 4. at the close, shorts pay borrow for the calendar days since the last charge, and equity is marked at
///    the last real close of every asset.
/// At the close of endRow every open position is sold at that close (with costs), so the final equity is cash.
public enum Backtester {
    public static func run(prices: PriceMatrix, decisions: DecisionMatrix,
                           configuration: BacktestConfiguration) -> BacktestRun {
        run(prices: prices, decisions: decisions, configuration: configuration, weightPlan: nil)
    }

    /// The simulation of `decisions`, or of `weightPlan`'s target weights when given (`Backtester+Weights.swift`).
    static func run(prices: PriceMatrix, decisions: DecisionMatrix, configuration: BacktestConfiguration,
                    weightPlan: WeightPlan?) -> BacktestRun {
        precondition(decisions.decisions.count == prices.dateCount * prices.assetCount,
                     "Backtester: decisions are not (D, N) of the prices")
        let run = prices.open.withUnsafeBufferPointer { open in
            prices.high.withUnsafeBufferPointer { high in
            prices.low.withUnsafeBufferPointer { low in
            prices.close.withUnsafeBufferPointer { close in
            prices.status.withUnsafeBufferPointer { status in
            decisions.decisions.withUnsafeBufferPointer { decided -> BacktestRun in
                let engine = Engine(prices: prices, decisions: decisions, configuration: configuration,
                                    open: open.baseAddress!, high: high.baseAddress!, low: low.baseAddress!,
                                    close: close.baseAddress!, status: status.baseAddress!, decided: decided.baseAddress!)
                engine.weightPlan = weightPlan
                engine.simulate()
                return BacktestRun(dates: Array(prices.dates[decisions.startRow...decisions.endRow]),
                                   startRow: decisions.startRow, equity: engine.equity, benchmark: [],
                                   grossExposure: engine.grossExposure, trades: engine.trades,
                                   tradedValue: engine.tradedValue, blockedFills: engine.blockedFills,
                                   cashLimitedEntries: engine.cashLimitedEntries, droppedEntries: engine.droppedEntries,
                                   benchmarkAssets: [])
            }}}}}
        }
        var result = run
        result.benchmarkAssets = decisions.hasSignals.indices.filter { decisions.hasSignals[$0] }
        result.benchmark = benchmark(prices: prices, assets: result.benchmarkAssets, startRow: decisions.startRow,
                                     endRow: decisions.endRow, capital: configuration.initialCapital)
        return result
    }

    /// One line defining `benchmark` (stdout summary, `strategy.md`, `benchmark_definition` in metrics.json).
    public static let benchmarkDefinition = "equal-weight buy-and-hold of every asset with signal (or weight) rows in the book, "
        + "bought at its first real open of the window, never rebalanced, no costs"

    /// The one buy-and-hold of the backtester — the `benchmark` of every backtest (`metrics.json`, `equity.csv`, the
    /// stdout summary, the chart) and of every book of the strategy report, which is a backtest of its own rows:
    /// - **of what:** `assets` — in a backtest, every asset with at least one signal (or weight) row in the window,
    ///   traded or not (the universe the rule chose from, not the assets it picked); pooled = all of them, a category's
    ///   book = that category's (each book with the full capital);
    /// - **weights:** capital / n per asset, **never rebalanced** (the shares drift with prices);
    /// - **prices:** each asset is bought at its first **real open** after `startRow` (the open at which the first
    ///   signals can fill; its share waits as cash through synthetic or missing bars), marked at its last real close;
    /// - **costs:** none (no commission, slippage or borrow).
    /// Returns the value at the close of every row of [startRow, endRow], (R); `curve[0]` = capital.
    public static func benchmark(prices: PriceMatrix, assets: [Int], startRow: Int, endRow: Int, capital: Double) -> [Double] {
        let n = prices.assetCount
        var curve = [Double](repeating: capital, count: endRow - startRow + 1)
        guard !assets.isEmpty else { return curve }
        let part = capital / Double(assets.count)
        let m = assets.count
        var shares = [Double](repeating: 0, count: m)      // 0 until the first real open
        var lastClose = [Double](repeating: 0, count: m)
        var pending = [Double](repeating: part, count: m)  // cash waiting for the first real open
        prices.open.withUnsafeBufferPointer { open in
        prices.close.withUnsafeBufferPointer { close in
        prices.status.withUnsafeBufferPointer { status in
        assets.withUnsafeBufferPointer { assets in
        shares.withUnsafeMutableBufferPointer { shares in
        lastClose.withUnsafeMutableBufferPointer { lastClose in
        pending.withUnsafeMutableBufferPointer { pending in
            guard endRow > startRow else { return }
            for row in (startRow + 1)...endRow {
                let base = row &* n
                var value = 0.0
                for j in 0..<m {
                    let cell = base &+ assets[j]
                    if status[cell] == BarStatus.real.rawValue {
                        if pending[j] != 0 { shares[j] = pending[j] / open[cell]; pending[j] = 0 }
                        lastClose[j] = close[cell]
                    }
                    value += pending[j] + shares[j] * lastClose[j]
                }
                curve[row &- startRow] = value
            }
        }}}}}}}
        return curve
    }
}

