// The experiment's trading part: the signal rule fitted on validation, the test period traded with it, the report.
import Foundation
import MarketBacktest
import MarketData
import MarketSignals
import MarketSupport
import MarketTraining

/// What `ExperimentStrategy.run` produced.
public struct ExperimentStrategyResult {
    /// The fitted rule and where it was written (`<checkpoint>.signal_rule.json`).
    public var rule: SignalRuleFile
    public var ruleURL: URL
    /// First test day per traded category (the checkpoint's `split.test_start.<category>`).
    public var testStart: [String: DayNumber]
    /// The test-period backtest (metrics, classification, strategy report) and its folder.
    public var report: BacktestReport
    public var folder: URL
}

/// The trading protocol behind `marketgpt experiment` (after the forecasting protocol):
/// 1. `SignalCalibration.fit` on the checkpoint's validation periods (never a later bar; fine-tuned files are not
///    used: they were trained on the validation period) → `<checkpoint>.signal_rule.json`;
/// 2. the checkpoint's signals with that rule on every trading date from the earliest test start to the last bar
///    (each date scored as of itself, `SignalsJob`), kept for a category only from its own test start;
/// 3. `SignalBacktest` of those rows (costs and mode of the fit; trials = the rule search's grid size) →
///    `<runDirectory>/strategy/` (`signals/`, `metrics.json`, `strategy.md`, equity, trades, chart).
/// Only categories with a fitted rule (and in `categories`, when given) are traded.
public enum ExperimentStrategy {
    public static func run(checkpoint: URL, universe: URL, data: URL, runDirectory: URL, section: ExperimentStrategySection,
                           seed: UInt64, categories: [String]? = nil,
                           log: @escaping (String) -> Void = { _ in }) throws -> ExperimentStrategyResult {
        try PipelineError.wrap {
            let definition = try Universe.load(universe)
            try PipelineError.requireFolder(data)
            var options = SignalCalibrationOptions()
            options.objective = SignalRuleObjective(rawValue: section.objective) ?? .sharpe
            options.targetRate = section.targetRate
            options.samples = section.samples
            options.seed = seed
            options.backtest.mode = BacktestMode(rawValue: section.mode) ?? .longOnly
            let rule = try SignalCalibration.fit(checkpoint: checkpoint, universe: definition, dataDirectory: data, options: options, log: log)
            let ruleURL = SignalRuleFile.url(checkpoint: checkpoint)
            try rule.write(to: ruleURL)

            let folder = runDirectory.appendingPathComponent("strategy")
            var settings = SignalsConfig()
            settings.universe = universe.path
            settings.data = data.path
            settings.checkpoint = checkpoint.path
            settings.samples = section.samples
            settings.seed = seed
            let job = try SignalsJob(settings: settings)   // the rule file just written decides its categories
            let metadata = job.models.fallback?.metadata ?? [:]
            let cuts = CheckpointCuts(metadata: metadata, categories: rule.categories.keys.sorted())
            let testStart = cuts.testStart.filter { rule.categories[$0.key] != nil && categories?.contains($0.key) != false }
            guard let first = testStart.values.min(), let last = job.session.lastDataDay, first <= last else {
                throw PipelineError("\(checkpoint.path): no test period after the validation periods of \(rule.categories.keys.sorted().joined(separator: ", "))")
            }
            log("experiment: signals of the test period \(CivilDate.isoString(first))…\(CivilDate.isoString(last)) with \(ruleURL.lastPathComponent)")
            let (_, rows) = try job.runHistory(from: first, to: last, out: folder.appendingPathComponent("signals")) { index, count, day in
                if (index + 1) % 25 == 0 || index + 1 == count { log("experiment: signals \(index + 1)/\(count) (\(CivilDate.isoString(day)))") }
            }
            let records = rows.joined().filter { row in testStart[row.category].map { row.date >= $0 } ?? false }
            let tickers = Set(records.map(\.ticker)).sorted()
            let prices = try BacktestPrices.load(tickers: tickers, categories: [:], universe: definition, dataDirectory: data)
            var configuration = options.backtest
            configuration.barsPerYear = BacktestPrices.barsPerYear(universe: definition, tickers: prices.tickers)
            let report = try SignalBacktest.run(records: records, prices: prices, configuration: configuration, rule: rule)
            try report.write(to: folder)
            return ExperimentStrategyResult(rule: rule, ruleURL: ruleURL, testStart: testStart, report: report, folder: folder)
        }
    }

    /// Adds the result to the experiment's `report.md` (a section: the fitted rules and the strategy report) and
    /// `report.json` (`signal_rule`: per category the values and validation dates; `strategy`: the books), atomically.
    public static func appendToReport(_ result: ExperimentStrategyResult, runDirectory: URL) throws {
        let json = runDirectory.appendingPathComponent("report.json"), md = runDirectory.appendingPathComponent("report.md")
        var object = (try? JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]) ?? [:]
        var rules: [String: Any] = [:]
        for (name, c) in result.rule.categories {
            rules[name] = ["confidence_threshold": c.confidenceThreshold, "min_return": c.minReturn, "horizon": c.horizon,
                           "validation_start": c.validationStart, "validation_end": c.validationEnd,
                           "test_start": result.testStart[name].map(CivilDate.isoString) ?? NSNull()] as [String: Any]
        }
        object["signal_rule"] = ["file": result.ruleURL.path, "objective": result.rule.objective, "grid_size": result.rule.grid.size,
                                 "categories": rules, "unfitted": result.rule.unfitted ?? [:]] as [String: Any]
        if let strategy = result.report.strategy { object["strategy"] = strategy.jsonObject }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)

        var lines = ["", "## Signals that act: the test period traded", "",
                     "Rule fitted per category on the pre-trained checkpoint's validation period only (`calibrate-signals`, "
                     + "objective \(result.rule.objective), \(result.rule.grid.size) configurations per category) → "
                     + "`\(result.ruleURL.lastPathComponent)`; signals of each category's test period with it; "
                     + "backtest and files in `strategy/`.", "",
                     "| category | confidence ≥ | |μ| ≥ | h | validation | test from |", "|---|---|---|---|---|---|"]
        for (name, c) in result.rule.categories.sorted(by: { $0.key < $1.key }) {
            lines.append("| \(name) | \(String(format: "%.3f", c.confidenceThreshold)) | \(String(format: "%.2f%%", c.minReturn * 100)) | "
                         + "\(c.horizon) | \(c.validationStart)…\(c.validationEnd) | \(result.testStart[name].map(CivilDate.isoString) ?? "n/a") |")
        }
        for (name, reason) in (result.rule.unfitted ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append("| \(name) | no rule (\(reason)): not traded | | | | |")
        }
        if let strategy = result.report.strategy {
            lines.append("")
            lines += strategy.markdown.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        }
        let before = (try? String(contentsOf: md, encoding: .utf8)) ?? ""
        try AtomicFile.write(before + lines.joined(separator: "\n") + (lines.last == "" ? "" : "\n"), to: md)
    }
}
