// The report of a target-weight backtest (`marketgpt backtest --weights DIR`).
import MarketData

extension BacktestReport {
    /// Backtests weight rows against aligned prices; `end` extends (or cuts) the window past the last row.
    public static func run(weights rows: [TargetWeight], prices: PriceMatrix, configuration: BacktestConfiguration,
                           end: DayNumber? = nil) throws -> BacktestReport {
        guard let matrix = WeightMatrix(rows: rows, prices: prices, end: end) else {
            throw BacktestError("no weight row matches an asset with prices inside the price dates "
                                + "(\(rows.count) rows, \(prices.assetCount) priced assets)")
        }
        return report(of: Backtester.run(prices: prices, weights: matrix, configuration: configuration), tickers: prices.tickers,
                      unmatchedTickers: matrix.unmatchedTickers, configuration: configuration)
    }
}
