// The report of a target-weight backtest (`marketgpt backtest --weights DIR`).
import MarketData
import MarketSupport

extension BacktestReport {
    /// Backtests weight rows against aligned prices; `end` extends (or cuts) the window past the last row. Bars beyond
    /// `configuration.maxPriceJump` are flagged and never traded or marked, as for signals (`BacktestSanity.flagJumps`).
    public static func run(weights rows: [TargetWeight], prices: PriceMatrix, configuration: BacktestConfiguration,
                           end: DayNumber? = nil) throws -> BacktestReport {
        var sanity = BacktestSanity()
        let checked = BacktestSanity.flagJumps(prices, bound: configuration.maxPriceJump, into: &sanity)
        guard let matrix = WeightMatrix(rows: rows, prices: checked, end: end) else {
            throw BacktestError("no weight row matches an asset with prices inside the price dates "
                                + "(\(rows.count) rows, \(prices.assetCount) priced assets)")
        }
        var result = report(of: Backtester.run(prices: checked, weights: matrix, configuration: configuration), tickers: prices.tickers,
                            unmatchedTickers: matrix.unmatchedTickers, configuration: configuration)
        result.sanity = sanity
        return result
    }
}
