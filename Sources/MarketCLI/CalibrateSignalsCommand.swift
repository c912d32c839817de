// `marketgpt calibrate-signals`: fit the per-category decision rule on a checkpoint's validation period.
import ArgumentParser
import Foundation
import MarketBacktest
import MarketData
import MarketPipeline
import MarketSignals

/// Parses the options and calls `SignalCalibration.fit`; writes `<checkpoint>.signal_rule.json` atomically.
struct CalibrateSignalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate-signals",
        abstract: "Fit the BUY/SELL/HOLD rule per category on the checkpoint's validation period (never later bars).",
        discussion: """
        For each category, every configuration of a small grid (confidence threshold × minimum |expected return| \
        × decision horizon 1…H; 10 × 7 × H by default) is applied to MC-dropout forecasts of every trading date of the \
        validation period (split.validation_start … the day before split.test_start in the checkpoint) and \
        backtested there with the backtester's costs (fills at the next open, equal weight). --objective sharpe \
        (default) keeps the highest net-of-cost Sharpe among configurations with at least 5 trades; trade_rate the \
        share of asset-days with BUY/SELL closest to --target-rate. Data after the validation period is never read. \
        Writes <checkpoint>.signal_rule.json (values, validation dates, objective, grid size per category); \
        `marketgpt signals` uses it by default (flags still override). Exit 1 with one line when the checkpoint has \
        no split metadata, the file exists (without --force) or the inputs are bad.
        """)

    @Option(help: "Checkpoint file (e.g. checkpoints/pretrain/pretrained.safetensors).")
    var checkpoint: String

    @Option(help: "Universe YAML.")
    var universe: String

    @Option(help: "Data folder of OHLCV CSVs.")
    var data: String

    @Option(help: "sharpe (net-of-cost validation Sharpe) or trade_rate (closest to --target-rate).")
    var objective: String = SignalRuleObjective.sharpe.rawValue

    @Option(help: "Target share of asset-days with BUY or SELL, in (0, 1], for --objective trade_rate.")
    var targetRate: Double?

    @Option(help: "Confidence definition: probabilistic (default), epistemic or agreement (README).")
    var confidence: String = "probabilistic"

    @Option(help: "MC-dropout passes per forecast (as in signals).")
    var samples: Int = 20

    @Option(help: "Seed of the MC draws and gap fills (as in signals).")
    var seed: UInt64 = 0

    /// The costs and side of the validation backtest (the same flags and defaults as `backtest`).
    @OptionGroup var costs: BacktestCostOptions

    @Option(help: "Output file (default <checkpoint>.signal_rule.json).")
    var out: String?

    @Flag(help: "Replace an existing rule file.")
    var force = false

    func validate() throws {
        guard let objective = SignalRuleObjective(rawValue: objective) else {
            throw ValidationError("--objective must be sharpe or trade_rate, not '\(self.objective)'")
        }
        if objective == .tradeRate {
            guard let targetRate else { throw ValidationError("--objective trade_rate needs --target-rate") }
            try requireOption("--target-rate", targetRate, in: OptionLimits.targetRate)
        }
        guard ConfidenceMeasure.names.contains(confidence) else {
            throw ValidationError("--confidence must be one of \(ConfidenceMeasure.names.joined(separator: ", ")), not '\(confidence)'")
        }
        try requireOption("--samples", samples, in: OptionLimits.samples)
    }

    func run() throws {
        let started = Date()
        let checkpointURL = URL(fileURLWithPath: checkpoint)
        let outURL = out.map { URL(fileURLWithPath: $0) } ?? SignalRuleFile.url(checkpoint: checkpointURL)
        if FileManager.default.fileExists(atPath: outURL.path) && !force {
            throw PipelineError("\(outURL.path): exists; pass --force to replace it")
        }
        let definition = try PipelineError.wrap { try Universe.load(URL(fileURLWithPath: universe)) }
        try PipelineError.requireFolder(URL(fileURLWithPath: data))
        var options = SignalCalibrationOptions()
        options.objective = SignalRuleObjective(rawValue: objective)!
        options.targetRate = targetRate
        options.confidence = confidence
        options.samples = samples
        options.seed = seed
        costs.apply(to: &options.backtest)
        let file = try PipelineError.wrap {
            let file = try SignalCalibration.fit(checkpoint: checkpointURL, universe: definition, dataDirectory: URL(fileURLWithPath: data),
                                                 options: options) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            try file.write(to: outURL)
            return file
        }
        print(Self.table(file))
        print("calibrate-signals: \(file.grid.size) configurations per category → \(outURL.path) in "
              + String(format: "%.1f s", Date().timeIntervalSince(started)))
    }

    /// One line per category: the fitted values and their validation figures.
    static func table(_ file: SignalRuleFile) -> String {
        var lines = ["category        threshold  min_ret  h  validation               Sharpe   return  trades  rate"]
        for (name, c) in file.categories.sorted(by: { $0.key < $1.key }) {
            func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            lines.append(name.padding(toLength: 15, withPad: " ", startingAt: 0)
                + String(format: " %9.3f %7.2f%% %2d  ", c.confidenceThreshold, c.minReturn * 100, c.horizon)
                + "\(c.validationStart)…\(c.validationEnd) " + pad(c.sharpe.map { String(format: "%.2f", $0) } ?? "n/a", 7)
                + " " + pad(c.totalReturn.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a", 7)
                + String(format: " %7d %5.1f%%", c.trades, c.tradeRate * 100))
        }
        for (name, reason) in (file.unfitted ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append(name.padding(toLength: 15, withPad: " ", startingAt: 0) + " no rule (\(reason))")
        }
        return lines.joined(separator: "\n")
    }
}
