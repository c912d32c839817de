// `marketgpt backtest`: backtest a signal file (or a folder of them) against daily prices and write the report.
import ArgumentParser
import Foundation
import MarketBacktest
import MarketData
import MarketPipeline
import MarketSignals
import MarketOps
import MarketSupport

/// Backtests signal files: metrics.json, equity.csv, trades.csv and equity.svg under `--out`.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest signal files against daily prices: costs, borrow, stops, sizing; metrics, equity, trades and a chart.",
        discussion: """
        Signals decided at the close of day t fill at the open of the asset's next real bar (never on a \
        synthetic or missing bar). long_only: BUY opens, SELL closes, HOLD keeps the position. long_short: \
        BUY goes long, SELL goes short, HOLD (or no row that day) keeps whatever is held. The window runs \
        from the first signal date to the last (or --end); positions still open are sold at the last close. \
        Prices are read from DATA/<category>/<TICKER>.csv or DATA/<TICKER>.csv. \
        --weights trades target weights instead (date,ticker,weight: a signed fraction of equity): a new weight \
        for an asset is traded at the next open to weight × equity (same costs, borrow, slippage and stops; a weight \
        repeated unchanged does not trade; an asset missing from a file keeps its position; long_only holds a \
        negative weight flat and cuts entries to the cash). Signal backtests also score the signals as classes \
        (realised h-bar return > τ long, < −τ short, else hold): confusion matrix, per-class precision/recall/F1, \
        macro-F1 and accuracy in metrics.json under `classification`.
        """)

    @Option(help: "A signal CSV file or a folder of <date>.csv files (columns date,ticker,signal at least).")
    var signals: String?

    @Option(help: "A target-weight CSV file or a folder of weights/<date>.csv files (date,ticker,weight) to trade instead of signals.")
    var weights: String?

    @Option(help: "Threshold τ of the realised labels of the signal classification (forward return > τ long, < −τ short), a fraction.")
    var labelThreshold: Double = SignalClassification.defaultThreshold

    @Option(help: "Horizon h in bars of the realised labels of the signal classification.")
    var labelHorizon: Int = 1

    @Option(help: "The signal rule file (calibrate-signals) the signals were made with: its grid size is the DSR's trials per category and its horizons label the classes.")
    var signalRule: String?

    @Option(help: "Folder of daily OHLCV CSV files.")
    var data: String

    @Option(help: "Output folder for metrics.json, equity.csv, trades.csv and equity.svg.")
    var out: String

    @Option(help: "Universe YAML: categories of tickers missing one in the signals, and trading days per year for annualising.")
    var universe: String?

    @OptionGroup var costs: BacktestCostOptions

    @Option(help: "Stop-loss, a fraction of the entry price (0.05 = 5%); checked against each day's High/Low.")
    var stopLoss: Double?

    @Option(help: "Take-profit, a fraction of the entry price (0.1 = 10%); the stop wins when both are touched the same day.")
    var takeProfit: Double?

    @Option(help: "equal (equal weight across open positions, resized when the set changes) or fixed (--fraction of equity per entry).")
    var sizing: String = "equal"

    @Option(help: "Fraction of equity per new position with --sizing fixed.")
    var fraction: Double = 0.1

    @Option(help: "Starting equity.")
    var capital: Double = 10_000

    @Option(help: "Last date simulated (YYYY-MM-DD); default the last signal date.")
    var end: String?

    @Option(help: "Strategy variants tried, for the deflated Sharpe ratio.")
    var trials: Int = 1

    @Option(help: "Price sanity bound: a bar more than this factor above (or below 1/factor of) the previous close is flagged in metrics.json and never traded or marked (> 1).")
    var maxJump: Double = 5

    @Option(help: "Go on past a failed gate, dropping the rows it lists: out-of-range (signal dates outside the price data) or conflicts (one ticker and date with different actions). Repeatable.")
    var allow: [String] = []

    func validate() throws {
        guard (signals == nil) != (weights == nil) else { throw ValidationError("give --signals FILE|DIR or --weights FILE|DIR (one of them)") }
        try requireOption("--label-threshold", labelThreshold, in: OptionLimits.labelThreshold)
        try requireOption("--label-horizon", labelHorizon, in: OptionLimits.labelHorizon)
        guard sizing == "equal" || sizing == "fixed" else { throw ValidationError("--sizing must be equal or fixed, not '\(sizing)'") }
        try requireOption("--fraction", fraction, in: OptionLimits.positionFraction)
        for (name, value) in [("--stop-loss", stopLoss), ("--take-profit", takeProfit)] {
            if let value { try requireOption(name, value, in: OptionLimits.exitFraction) }
        }
        try requireOption("--capital", capital, in: OptionLimits.capital)
        try requireOption("--trials", trials, in: OptionLimits.trials)
        try requireOption("--max-jump", maxJump, in: OptionLimits.maxJump)
        for gate in allow where gate != "out-of-range" && gate != "conflicts" {
            throw ValidationError("--allow must be out-of-range or conflicts, not '\(gate)'")
        }
        if let end, CivilDate.parseISO(end) == nil { throw ValidationError("--end '\(end)' is not YYYY-MM-DD") }
    }

    func run() throws {
        let record = CommandRun(kind: .backtest, config: nil, universe: universe, seed: nil)
        try record.run { try execute(record) }
    }

    private func execute(_ record: CommandRun) throws {
        let started = Date()
        var records: [SignalRecord] = [], weightRows: [TargetWeight] = []
        let loadedUniverse: Universe?
        let input = signals ?? weights!
        do {
            if let signals { records = try SignalFile.read(URL(fileURLWithPath: signals)) }
            if let weights { weightRows = try WeightFile.read(URL(fileURLWithPath: weights)) }
            loadedUniverse = try universe.map { try Universe.load(URL(fileURLWithPath: $0)) }
        } catch let error as DataError {
            throw DataCommandFailure(error.description)
        }
        guard !records.isEmpty || !weightRows.isEmpty else { throw DataCommandFailure("\(input): no \(signals != nil ? "signal" : "weight") rows") }
        var hints: [String: String] = [:]
        for record in records where !record.category.isEmpty { hints[record.ticker] = record.category }
        let prices = try BacktestPrices.load(tickers: Set(records.map(\.ticker) + weightRows.map(\.ticker)).sorted(), categories: hints,
                                         universe: loadedUniverse, dataDirectory: URL(fileURLWithPath: data), source: input)

        var configuration = BacktestConfiguration()
        costs.apply(to: &configuration)
        configuration.stopLoss = stopLoss
        configuration.takeProfit = takeProfit
        configuration.sizing = sizing == "fixed" ? .fixedFraction(fraction) : .equalWeight
        configuration.initialCapital = capital
        configuration.trials = trials
        configuration.maxPriceJump = maxJump
        configuration.allowOutOfRangeSignals = allow.contains("out-of-range")
        configuration.allowConflictingSignals = allow.contains("conflicts")
        if let loadedUniverse { configuration.barsPerYear = BacktestPrices.barsPerYear(universe: loadedUniverse, tickers: prices.tickers) }

        var report: BacktestReport
        do {
            if weights != nil {
                report = try BacktestReport.run(weights: weightRows, prices: prices, configuration: configuration,
                                                end: end.flatMap(CivilDate.parseISO))
            } else {
                let rule: SignalRuleFile?
                do { rule = try signalRule.map { try SignalRuleFile.read(URL(fileURLWithPath: $0)) } } catch let error as SignalError {
                    throw DataCommandFailure(error.description)
                }
                report = try SignalBacktest.run(records: records, prices: prices, configuration: configuration, rule: rule,
                                                labelHorizon: labelHorizon, labelThreshold: labelThreshold, end: end.flatMap(CivilDate.parseISO))
            }
        } catch let error as BacktestError {
            throw DataCommandFailure("\(input): \(error.description)")
        }
        let folder = URL(fileURLWithPath: out)
        try report.write(to: folder)
        if !report.unmatchedTickers.isEmpty {
            FileHandle.standardError.write(Data("backtest: no prices for \(report.unmatchedTickers.count) ticker(s): \(report.unmatchedTickers.joined(separator: ", "))\n".utf8))
        }
        Self.warnSanity(report.sanity, maxJump: maxJump)
        print(Self.summary(report))
        if let strategy = report.strategy {
            for book in [strategy.pooled] + strategy.categories { print("\(book.name): \(book.verdict)") }
        }
        record.finish(metrics: ["total_return": report.metrics.totalReturn, "sharpe": report.metrics.sharpe,
                                "max_drawdown": report.metrics.maxDrawdown, "num_trades": Double(report.metrics.numTrades)],
                      artefacts: ["signals": signals ?? weights ?? "", "metrics": folder.appendingPathComponent("metrics.json").relativePath],
                      text: "MarketGPT backtest \(out): total return \(String(format: "%.2f%%", report.metrics.totalReturn * 100)), Sharpe \(String(format: "%.2f", report.metrics.sharpe))")
        FileHandle.standardError.write(Data(String(format: "backtest: wrote %@ in %.2f s\n", folder.path, Date().timeIntervalSince(started)).utf8))
    }

    /// One stderr line per gate that set rows aside or flagged bars (the details are in metrics.json `sanity`).
    static func warnSanity(_ sanity: BacktestSanity, maxJump: Double) {
        var lines: [String] = []
        if !sanity.outOfRange.isEmpty { lines.append("dropped \(sanity.outOfRange.count) signal row(s) dated outside the price data (--allow out-of-range)") }
        if !sanity.conflicting.isEmpty { lines.append("dropped \(sanity.conflicting.count) conflicting signal row(s) (--allow conflicts)") }
        if let bar = sanity.flaggedBars.first {
            lines.append("flagged \(sanity.flaggedBars.count) price bar(s) jumping beyond ×\(maxJump) (never traded or marked; first \(bar.ticker) \(CivilDate.isoString(bar.date)))")
        }
        for line in lines { FileHandle.standardError.write(Data("backtest: \(line); see metrics.json sanity\n".utf8)) }
    }

    /// The stdout summary: strategy against its buy-and-hold benchmark (`Backtester.benchmark`, the same one as the
    /// strategy report's pooled book), then PSR/DSR with the trial count.
    static func summary(_ report: BacktestReport) -> String {
        let m = report.metrics, b = report.benchmarkMetrics
        func p(_ x: Double) -> String { x.isFinite ? String(format: "%8.2f%%", x * 100) : "     n/a" }
        func r(_ x: Double) -> String { x.isFinite ? String(format: "%9.3f", x) : "      n/a" }
        var lines = [
            "backtest \(report.configuration.mode.rawValue) \(report.run.dates.first.map(CivilDate.isoString) ?? "")"
                + " → \(report.run.dates.last.map(CivilDate.isoString) ?? ""), \(report.run.dates.count) bars, \(report.tickers.count) priced assets",
            "                  strategy  buy&hold",
            "total return     \(p(m.totalReturn))  \(p(b.totalReturn))",
            "CAGR             \(p(m.cagr))  \(p(b.cagr))",
            "volatility       \(p(m.annualVolatility))  \(p(b.annualVolatility))",
            "Sharpe           \(r(m.sharpe)) \(r(b.sharpe))",
            "Sortino          \(r(m.sortino)) \(r(b.sortino))",
            "max drawdown     \(p(m.maxDrawdown))  \(p(b.maxDrawdown))",
            "buy&hold (\(report.run.benchmarkAssets.count) assets): \(Backtester.benchmarkDefinition)",
            "PSR \(r(m.probabilisticSharpe).trimmingCharacters(in: .whitespaces)), DSR \(r(m.deflatedSharpe).trimmingCharacters(in: .whitespaces)) "
                + "after \(report.configuration.trials) trial(s)",
        ]
        lines.append("trades \(m.numTrades), win rate \(p(m.winRate).trimmingCharacters(in: .whitespaces)), "
                     + "exposure \(p(m.exposure).trimmingCharacters(in: .whitespaces)), turnover \(r(m.turnover).trimmingCharacters(in: .whitespaces))/year")
        if let c = report.classification, c.pooled.count > 0 {
            let baselines = SignalClassification.baselines(of: c.pooled)
            lines.append(String(format: "signals as classes (h %d, τ %.2f%%, %d rows): macro-F1 %.3f (constant HOLD %.3f, random %.3f), accuracy %.3f",
                                c.horizon, c.threshold * 100, c.pooled.count, c.pooled.macroF1, baselines.constantHold.macroF1,
                                baselines.random.macroF1, c.pooled.accuracy))
        }
        return lines.joined(separator: "\n")
    }
}
