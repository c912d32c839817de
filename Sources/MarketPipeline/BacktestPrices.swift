// The prices a backtest of signal files needs: one real series per signal ticker, found in a data folder.
import Foundation
import MarketBacktest
import MarketData

/// Backtest price loading (`marketgpt backtest`, the quickstart's stage 7, any server job).
public enum BacktestPrices {
    /// Loads the prices of `tickers` (category from the universe, else from `categories`, e.g. the signal rows').
    /// `source` (the signal or weight file) names the file in errors about the names it holds.
    public static func load(tickers: [String], categories: [String: String], universe: Universe?, dataDirectory: URL,
                            source: String = "") throws -> PriceMatrix {
        var category = categories
        for entry in universe?.assets ?? [] {
            category[entry.asset.ticker] = universe!.categories[entry.categoryID].name
        }
        for (what, name) in tickers.map({ ("ticker", $0) }) + Set(tickers.compactMap { category[$0] }).sorted().map({ ("category", $0) })
        where !name.isEmpty {   // names become file paths: nothing outside --data is read
            if let problem = PathName.problem(name) { throw PipelineError("\(source.isEmpty ? "" : source + ": ")\(what) \(PathName.quoted(name)) \(problem)") }
        }
        var found: [String] = [], series: [OHLCVSeries] = []
        for ticker in tickers {
            guard let file = UniverseLoader.file(for: ticker, category: category[ticker] ?? "", in: dataDirectory) else { continue }
            do {
                series.append(try OHLCVCSV.load(file).series)
                found.append(ticker)
            } catch let error as DataError {
                throw PipelineError(error.description)
            }
        }
        guard !found.isEmpty else {
            throw PipelineError("\(dataDirectory.path): no price file for any of the \(tickers.count) tickers (looked for <category>/<TICKER>.csv and <TICKER>.csv)")
        }
        return PriceMatrix(tickers: found, series: series)
    }

    /// The largest trading-days-per-year among the categories of the priced tickers (the union calendar's density).
    public static func barsPerYear(universe: Universe, tickers: [String]) -> Double? {
        let wanted = Set(tickers)
        let days = universe.categories.filter { $0.assets.contains { wanted.contains($0.ticker) } }.map(\.tradingDaysPerYear)
        return days.max().map(Double.init)
    }
}
