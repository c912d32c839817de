// A finished backtest (run + statistics) and its files: metrics.json, equity.csv, trades.csv, equity.svg.
import Foundation
import MarketData
import MarketSupport

/// Why a backtest could not run.
public struct BacktestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The result of `BacktestReport.run`: the simulation, its statistics and the benchmark's.
public struct BacktestReport: Sendable {
    public var run: BacktestRun
    public var metrics: PerformanceMetrics
    public var benchmarkMetrics: PerformanceMetrics
    public var configuration: BacktestConfiguration
    public var barsPerYear: Double
    /// Tickers of the price matrix (trades refer to them by index).
    public var tickers: [String]
    /// Signal tickers without prices.
    public var unmatchedTickers: [String]
    /// The signals scored as a 3-class classification against realised labels (signal backtests; nil for weights).
    public var classification: SignalClassification?
    /// What the sanity gates set aside or flagged (empty for `run(prices:decisions:configuration:)`).
    public var sanity = BacktestSanity()
    /// Pooled and per-category books against buy-and-hold with a verdict (signal backtests; `strategy.md`).
    public var strategy: StrategyReport?

    /// Simulates `decisions` on `prices` and computes every statistic (the benchmarked hot path).
    public static func run(prices: PriceMatrix, decisions: DecisionMatrix, configuration: BacktestConfiguration) -> BacktestReport {
        report(of: Backtester.run(prices: prices, decisions: decisions, configuration: configuration), tickers: prices.tickers,
               unmatchedTickers: decisions.unmatchedTickers, configuration: configuration)
    }

    /// The statistics of a finished simulation over `tickers` (the price matrix's).
    static func report(of run: BacktestRun, tickers: [String], unmatchedTickers: [String],
                       configuration: BacktestConfiguration) -> BacktestReport {
        let barsPerYear = configuration.barsPerYear ?? PerformanceStatistics.barsPerYear(dates: run.dates)
        let metrics = PerformanceStatistics.compute(
            equity: run.equity, dates: run.dates, barsPerYear: barsPerYear, trades: run.trades,
            grossExposure: run.grossExposure, tradedValue: run.tradedValue, trials: configuration.trials)
        let benchmark = PerformanceStatistics.compute(equity: run.benchmark, dates: run.dates, barsPerYear: barsPerYear)
        return BacktestReport(run: run, metrics: metrics, benchmarkMetrics: benchmark, configuration: configuration,
                              barsPerYear: barsPerYear, tickers: tickers, unmatchedTickers: unmatchedTickers)
    }

    /// Backtests signal rows against aligned prices; `end` extends (or cuts) the window past the last signal.
    /// The sanity gates run first (`BacktestSanity`): rows outside the price dates and conflicting duplicates
    /// throw unless allowed; bars beyond `configuration.maxPriceJump` are flagged and never traded or marked.
    public static func run(records: [SignalRecord], prices: PriceMatrix, configuration: BacktestConfiguration,
                           end: DayNumber? = nil) throws -> BacktestReport {
        var sanity = BacktestSanity()
        let checked = BacktestSanity.flagJumps(prices, bound: configuration.maxPriceJump, into: &sanity)
        let kept = try BacktestSanity.screen(records: records, prices: prices, configuration: configuration, into: &sanity)
        guard let decisions = DecisionMatrix(records: kept, prices: checked, end: end) else {
            throw BacktestError("no signal row matches an asset with prices inside the price dates "
                                + "(\(records.count) rows, \(prices.assetCount) priced assets)")
        }
        var report = run(prices: checked, decisions: decisions, configuration: configuration)
        report.sanity = sanity
        return report
    }

    // MARK: files

    /// Writes metrics.json, equity.csv, trades.csv and equity.svg into `folder`, each atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(metricsJSON(), to: folder.appendingPathComponent("metrics.json"))
        try AtomicFile.write(equityCSV(), to: folder.appendingPathComponent("equity.csv"))
        try AtomicFile.write(tradesCSV(), to: folder.appendingPathComponent("trades.csv"))
        try AtomicFile.write(EquityChart.svg(self), to: folder.appendingPathComponent("equity.svg"))
        if let strategy { try AtomicFile.write(strategy.markdown, to: folder.appendingPathComponent("strategy.md")) }
    }

    /// metrics.json: the CONTRACT.md names at the top level, then the extra figures, the settings and the
    /// benchmark's full statistics under `benchmark`. Undefined values are null; keys sorted.
    public func metricsJSON() throws -> Data {
        var object = Self.dictionary(metrics, trades: true)
        object["benchmark_total_return"] = Self.json(benchmarkMetrics.totalReturn)
        object["benchmark_sharpe"] = Self.json(benchmarkMetrics.sharpe)
        object["benchmark"] = Self.dictionary(benchmarkMetrics, trades: false)
        object["benchmark_assets"] = run.benchmarkAssets.map { tickers[$0] }
        object["benchmark_definition"] = Backtester.benchmarkDefinition
        object["start_date"] = run.dates.first.map(CivilDate.isoString) ?? ""
        object["end_date"] = run.dates.last.map(CivilDate.isoString) ?? ""
        object["bars"] = run.dates.count
        object["bars_per_year"] = barsPerYear
        object["initial_capital"] = configuration.initialCapital
        object["final_equity"] = Self.json(run.equity.last ?? .nan)
        object["blocked_fills"] = run.blockedFills
        object["cash_limited_entries"] = run.cashLimitedEntries
        object["dropped_entries"] = run.droppedEntries
        object["sanity"] = sanityJSON()
        object["unmatched_tickers"] = unmatchedTickers
        if let classification { object["classification"] = classification.jsonObject }
        if let strategy { object["strategy"] = strategy.jsonObject }
        var settings: [String: Any] = [
            "mode": configuration.mode.rawValue, "commission": configuration.commission,
            "slippage_bps": configuration.slippageBps, "borrow_rate": configuration.borrowRate,
            "stop_loss": configuration.stopLoss.map { $0 as Any } ?? NSNull(),
            "take_profit": configuration.takeProfit.map { $0 as Any } ?? NSNull(), "trials": configuration.trials,
            "max_price_jump": configuration.maxPriceJump,
            "allow_out_of_range": configuration.allowOutOfRangeSignals,
            "allow_conflicts": configuration.allowConflictingSignals,
        ]
        switch configuration.sizing {
        case .equalWeight: settings["sizing"] = "equal"
        case .fixedFraction(let fraction): settings["sizing"] = "fixed"; settings["fraction"] = fraction
        }
        object["settings"] = settings
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) + Data("\n".utf8)
    }

    /// metrics.json `sanity`: the gates' coverage report (rows set aside, flagged bars with their jump factor).
    func sanityJSON() -> [String: Any] {
        func rows(_ list: [BacktestSanity.Row]) -> [[String: Any]] {
            list.map { ["ticker": $0.ticker, "date": CivilDate.isoString($0.date)] }
        }
        return [
            "out_of_range_rows": rows(sanity.outOfRange),
            "conflicting_rows": rows(sanity.conflicting),
            "flagged_bars": sanity.flaggedBars.map {
                ["ticker": $0.ticker, "date": CivilDate.isoString($0.date), "factor": Self.json($0.factor)] as [String: Any]
            },
        ]
    }

    static func json(_ value: Double) -> Any { value.isFinite ? value : NSNull() }

    static func dictionary(_ m: PerformanceMetrics, trades: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "total_return": json(m.totalReturn), "cagr": json(m.cagr), "annual_volatility": json(m.annualVolatility),
            "sharpe": json(m.sharpe), "sortino": json(m.sortino), "calmar": json(m.calmar),
            "max_drawdown": json(m.maxDrawdown), "max_drawdown_duration_bars": m.maxDrawdownDurationBars,
            "max_drawdown_duration_days": m.maxDrawdownDurationDays,
            "probabilistic_sharpe": json(m.probabilisticSharpe), "deflated_sharpe": json(m.deflatedSharpe),
            "skewness": json(m.skewness), "kurtosis": json(m.kurtosis),
        ]
        if trades {
            object["win_rate"] = json(m.winRate)
            object["num_trades"] = m.numTrades
            object["average_trade"] = json(m.averageTrade)
            object["exposure"] = json(m.exposure)
            object["average_gross_exposure"] = json(m.averageGrossExposure)
            object["turnover"] = json(m.turnover)
        }
        return object
    }

    /// equity.csv: `date,equity,benchmark`, one row per simulated close.
    public func equityCSV() -> String {
        var text = "date,equity,benchmark\n"
        for i in run.dates.indices {
            text += "\(CivilDate.isoString(run.dates[i])),\(Self.number(run.equity[i])),\(Self.number(run.benchmark[i]))\n"
        }
        return text
    }

    /// trades.csv: one row per round trip, in the order opened.
    public func tradesCSV() -> String {
        var text = "ticker,direction,entry_date,entry_price,exit_date,exit_price,shares,pnl,return,commission,borrow,bars_held,exit_reason\n"
        for trade in run.trades {
            let fields = [
                SignalFile.quoted(tickers[trade.asset]), trade.direction > 0 ? "long" : "short",
                CivilDate.isoString(run.dates[trade.entryRow - rowOffset]),
                Self.number(trade.entryPrice),
                trade.exitRow >= 0 ? CivilDate.isoString(run.dates[trade.exitRow - rowOffset]) : "",
                Self.number(trade.exitPrice), Self.number(trade.entryShares), Self.number(trade.pnl),
                Self.number(trade.returnFraction), Self.number(trade.commission), Self.number(trade.borrow),
                trade.exitRow >= 0 ? String(trade.exitRow - trade.entryRow) : "", trade.exitReason.rawValue,
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Trades hold price-matrix rows; the run's arrays start at the decision matrix's start row.
    var rowOffset: Int { run.startRow }

    static func number(_ value: Double) -> String { value.isFinite ? String(format: "%.10g", value) : "" }
}
