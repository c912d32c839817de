// Quickstart stages 6 and 7: nightly signals for the last date, then historical signals over the out-of-sample
// period of the fine-tuned category and their backtest (MarketSignals + MarketBacktest, through SignalsJob).
import Foundation
import MarketBacktest
import MarketData
import MarketSignals
import MarketSupport

extension QuickstartPipeline {
    /// The signal job over `universe`: fine-tuned checkpoints where present, the pre-trained one otherwise.
    func signalsJob(_ universe: Universe) throws -> SignalsJob {
        let models: SignalModelSet
        do {
            models = try SignalModelSet.load(directory: url(checkpointPath), categories: universe.categories.map(\.name))
        } catch {
            throw QuickstartError("signals: \(error)")
        }
        if models.isEmpty { throw QuickstartError("signals: no checkpoint in \(checkpointPath)") }
        return SignalsJob(session: UniverseSession(definition: universe, dataDirectory: url(dataPath)), models: models,
                          options: SignalRunOptions(samples: settings.samples, seed: settings.seed, rule: settings.rule),
                          gapFill: true)
    }

    /// The last day with a real bar in the data.
    var lastDataDay: DayNumber? {
        loaded?.assets.compactMap { $0.real?.dates.last }.max()
    }

    /// Stage 6: BUY/SELL/HOLD for every asset at the last date, with MC dropout, as `runs/<run>/signals/<date>.csv`.
    func nightlySignals() throws -> QuickstartStageResult {
        guard let universe = loaded?.universe, let date = lastDataDay else { throw QuickstartError("signals: the universe was not loaded") }
        let job = try signalsJob(universe)
        let records: [SignalRecord]
        do { records = try job.records(date: date) } catch { throw QuickstartError("signals: \(error)") }
        let csv = try SignalsJob.write(records, date: date, out: url("\(runPath)/signals"))
        var result = QuickstartStageResult(name: "", title: "", status: .done)
        result.artefacts = [("signals_csv", relative(csv)), ("signals_json", "\(runPath)/signals/\(CivilDate.isoString(date)).json")]
        result.figures = [("date", CivilDate.isoString(date)), ("assets", String(records.count))]
        for action in SignalAction.allCases {
            result.figures.append((action.rawValue.lowercased(), String(records.filter { $0.signal == action }.count)))
        }
        report(SignalFile.csvText(records).split(separator: "\n").prefix(6).joined(separator: "\n"))
        return result
    }

    /// Stage 7: signals for every trading date of the out-of-sample period (each scored from the data as of that
    /// date only) for the fine-tuned category, written to `runs/<run>/signals/history/`, then backtested against
    /// the real prices (fills at the next open, costs) into `runs/<run>/backtest/`.
    func backtest() throws -> QuickstartStageResult {
        guard let loaded, let end = lastDataDay else { throw QuickstartError("backtest: the universe was not loaded") }
        guard let categoryID = loaded.universe.categories.firstIndex(where: { $0.name == settings.category }) else {
            throw QuickstartError("--category \(settings.category): not a category of the universe")
        }
        let category = loaded.universe.categories[categoryID]
        let start = fineTuneReport?.categories.first.flatMap { CivilDate.parseISO($0.outOfSampleStart) }
            ?? end - DayNumber(settings.oosYears * 365)
        let job = try signalsJob(Universe(name: "quickstart-\(category.name)", categories: [category]))
        var dates = job.tradingDates(from: start, to: end)
        if let limit = settings.historyDays, dates.count > limit { dates = Array(dates.suffix(limit)) }
        guard !dates.isEmpty else { throw QuickstartError("backtest: no trading date from \(CivilDate.isoString(start)) to \(CivilDate.isoString(end))") }
        let folder = url("\(runPath)/signals/history")
        let history: [[SignalRecord]]
        do {
            history = try job.runDates(dates, out: folder) { [report] index, count, date in
                if (index + 1) % 20 == 0 || index + 1 == count {
                    report("historical signals: \(index + 1)/\(count) dates (\(CivilDate.isoString(date)))")
                }
            }
        } catch let error as PipelineError { throw QuickstartError("signals: \(error)") }
        let records = history.flatMap { $0 }
        let assets = loaded.assets.filter { $0.categoryID == categoryID && $0.real != nil }
        let prices = PriceMatrix(tickers: assets.map(\.asset.ticker), series: assets.map { $0.real! })
        var configuration = BacktestConfiguration()
        configuration.barsPerYear = Double(category.tradingDaysPerYear)
        let backtest: BacktestReport
        do { backtest = try BacktestReport.run(records: records, prices: prices, configuration: configuration) } catch {
            throw QuickstartError("backtest: \(error)")
        }
        let out = "\(runPath)/backtest"
        try backtest.write(to: url(out))
        var result = QuickstartStageResult(name: "", title: "", status: .done)
        result.artefacts = [("signal_history", "\(runPath)/signals/history"), ("metrics", "\(out)/metrics.json"),
                            ("equity", "\(out)/equity.csv"), ("trades", "\(out)/trades.csv"), ("equity_chart", "\(out)/equity.svg")]
        let m = backtest.metrics, b = backtest.benchmarkMetrics
        func number(_ value: Double, _ format: String = "%.4f") -> String { value.isFinite ? String(format: format, value) : "-" }
        result.figures = [
            ("period", "\(CivilDate.isoString(dates.first!)) … \(CivilDate.isoString(dates.last!)) (\(dates.count) dates)"),
            ("total_return", number(m.totalReturn)), ("sharpe", number(m.sharpe, "%.2f")), ("max_drawdown", number(m.maxDrawdown)),
            ("num_trades", String(m.numTrades)), ("exposure", number(m.exposure, "%.3f")),
            ("benchmark_total_return", number(b.totalReturn)), ("benchmark_sharpe", number(b.sharpe, "%.2f")),
        ]
        return result
    }
}
