// `marketgpt signals`: nightly BUY/SELL/HOLD with MC-dropout confidence for a date, or every trading date of a range.
import ArgumentParser
import Foundation
import MarketData
import MarketPipeline
import MarketOps
import MarketSignals
import MarketSupport

/// Scores every asset of the universe at `--date` (its latest bar on or before it) with the fine-tuned model
/// of its category, else the pre-trained one, and writes `<out>/<date>.csv` + `.json` atomically, then
/// prints the summary. `--from D1 --to D2` writes the file of every trading date in the range, each
/// from the data up to that date only.
struct SignalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Nightly BUY/SELL/HOLD signals with MC-dropout confidence (--date), or a history of them (--from/--to).",
        discussion: """
            Models: checkpoints/<run>/model_finetuned_<category>.safetensors scores its category, \
            pretrained.safetensors every other one; --checkpoint FILE scores every category with one file. \
            confidence = Φ(|μ|/σ), the model's probability that the h-day return has the sign of the expected \
            return μ (σ² = aleatoric + epistemic variance over the horizon). BUY when confidence ≥ \
            confidence_threshold and μ ≥ min_return, SELL when μ ≤ −min_return, otherwise HOLD with the reason; \
            stale data and a synthetic latest bar are always HOLD; assets without data are listed (HOLD, "no data"). \
            Exit 0 on success, 1 when no checkpoint or no data is usable (one line on stderr; no file written), \
            64 on bad usage. The same seed gives byte-identical files.
            """)

    @Option(help: "Signals config YAML.")
    var config: String = "configs/signals.yaml"

    @Option(help: "Decision date YYYY-MM-DD: each asset's latest bar on or before it is scored.")
    var date: String?

    @Option(help: "First date of a history run (with --to): one file per trading date.")
    var from: String?

    @Option(help: "Last date of a history run (with --from).")
    var to: String?

    @Option(help: "One checkpoint file for every category (overrides the config's checkpoint folder).")
    var checkpoint: String?

    @Option(help: "Checkpoint folder with pretrained.safetensors and model_finetuned_<category>.safetensors.")
    var checkpoints: String?

    @Option(help: "MC-dropout passes per asset (default 20).")
    var samples: Int?

    @Option(help: "Output folder (default signals).")
    var out: String?

    @Option(help: "Universe YAML.")
    var universe: String?

    @Option(help: "Data folder of OHLCV CSVs.")
    var data: String?

    @Option(help: "Decision horizon h in days, 1 ≤ h ≤ H (default 1).")
    var horizon: Int?

    @Option(help: "Minimum confidence for BUY/SELL, in [0, 1] (default 0.7).")
    var confidenceThreshold: Double?

    @Option(help: "Minimum |expected return| for BUY/SELL, a fraction (default 0.02).")
    var minReturn: Double?

    @Option(help: "Largest age in days of the latest real bar (default 5).")
    var maxStaleDays: Int?

    @Option(help: "Seed of the MC-dropout draws and gap fills (default 0).")
    var seed: UInt64?

    @Option(help: "Confidence definition: probabilistic (default), epistemic or agreement (README).")
    var confidence: String?

    @Option(help: "Scale s of the epistemic confidence 1/(1 + σ_epi/s) (default: from the rule file).")
    var epistemicScale: Double?

    @Flag(help: "Ignore <checkpoint>.signal_rule.json (use the config's thresholds).")
    var ignoreSignalRule = false

    @Option(help: "Also write target weights <dir>/<date>.csv (date,ticker,weight).")
    var weightsOut: String?

    @Option(help: "Sizing of the weights: kelly (default) or confidence.")
    var sizing: String?

    @Option(help: "Weights long_only (default) or long_short.")
    var weightsMode: String?

    @Option(help: "Kelly multiplier (default 0.25).")
    var kellyFraction: Double?

    @Option(help: "Largest |weight| per asset (default 0.10).")
    var maxWeight: Double?

    @Option(help: "Largest Σ|weight| (default 1.0).")
    var maxGross: Double?

    @Option(help: "Keep the previous weight when the new one is within this distance (default 0.01).")
    var noTradeBand: Double?

    func validate() throws {
        if date == nil && (from == nil || to == nil) { throw ValidationError("give --date YYYY-MM-DD, or --from D1 --to D2") }
        if date != nil && (from != nil || to != nil) { throw ValidationError("--date cannot be combined with --from/--to") }
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
        for (name, text) in [("--date", date), ("--from", from), ("--to", to)] {
            if let text, Self.day(text) == nil { throw ValidationError("\(name) \(text): expected YYYY-MM-DD") }
        }
        if let from, let to, let d1 = Self.day(from), let d2 = Self.day(to), d1 > d2 {
            throw ValidationError("--from \(from) is after --to \(to)")
        }
        if let samples { try requireOption("--samples", samples, in: OptionLimits.samples) }
        if let horizon { try requireOption("--horizon", horizon, in: OptionLimits.horizon) }
        if let confidenceThreshold { try requireOption("--confidence-threshold", confidenceThreshold, in: OptionLimits.probability) }
        if let minReturn { try requireOption("--min-return", minReturn, in: OptionLimits.minReturn) }
        if let maxStaleDays { try requireOption("--max-stale-days", maxStaleDays, in: OptionLimits.days) }
    }

    func run() throws {
        let settings = try resolvedConfig()
        let record = CommandRun(kind: .signals, config: config, universe: settings.universe, seed: settings.seed)
        try record.run { try run(settings, record: record) }
    }

    private func run(_ settings: SignalsConfig, record: CommandRun) throws {
        let outURL = URL(fileURLWithPath: settings.out)
        for name in SignalFile.removeOrphans(in: outURL) { log("signals: removed \(name), left by an interrupted run") }
        let started = Date()
        var artefacts: [String: String] = [:]
        var counts: [String: Double] = [:]
        let checkpointFile = settings.checkpoint ?? URL(fileURLWithPath: settings.checkpoints).appendingPathComponent("pretrained.safetensors").path
        defer {
            if let written = artefacts["signals"] {
                record.finish(metrics: counts, artefacts: artefacts,
                              checkpoint: FileManager.default.fileExists(atPath: checkpointFile) ? checkpointFile : nil,
                              text: "MarketGPT signals: \(written)")
            }
        }
        if let date, let day = Self.day(date) {
            let job = try SignalsJob(settings: settings, readUpTo: day, overrides: ruleOverrides)
            for line in job.ruleNotes { log(line) }
            let (records, file) = try job.runNightly(date: day, out: outURL)
            artefacts["signals"] = file.relativePath
            if let weights = settings.weightsOut { artefacts["weights"] = weights }
            for r in records { counts["signals_\(r.signal.rawValue.lowercased())", default: 0] += 1 }
            print(SignalSummary.format(records), terminator: "")
            print("signals: \(records.count) assets at \(date) → \(file.relativePath) (+ .json) in "
                  + String(format: "%.2f s", Date().timeIntervalSince(started)))
        } else if let from, let to, let d1 = Self.day(from), let d2 = Self.day(to) {
            let job = try SignalsJob(settings: settings, readUpTo: d2, overrides: ruleOverrides)
            for line in job.ruleNotes { log(line) }
            let (dates, records) = try job.runHistory(from: d1, to: d2, out: outURL) { index, count, day in
                log("signals: \(CivilDate.isoString(day)) (\(index + 1)/\(count))")
            }
            artefacts["signals"] = outURL.relativePath
            if let weights = settings.weightsOut { artefacts["weights"] = weights }
            counts["dates"] = Double(dates.count)
            print(SignalSummary.format(records.last ?? []), terminator: "")
            print("signals: \(dates.count) trading dates \(CivilDate.isoString(dates[0]))…\(CivilDate.isoString(dates[dates.count - 1])) "
                  + "→ \(outURL.relativePath)/ in " + String(format: "%.1f s", Date().timeIntervalSince(started)))
        }
    }

    /// The config file with every command-line option applied.
    func resolvedConfig() throws -> SignalsConfig {
        var settings: SignalsConfig
        let url = URL(fileURLWithPath: config)
        if FileManager.default.fileExists(atPath: url.path) {
            settings = try PipelineError.wrap { try SignalsConfig.load(url) }
        } else if config == "configs/signals.yaml" {
            settings = SignalsConfig()   // the default path may be absent: defaults + options
        } else {
            throw PipelineError("\(config): config file not found")
        }
        if let checkpoint { settings.checkpoint = checkpoint }
        if let checkpoints { settings.checkpoints = checkpoints; if checkpoint == nil { settings.checkpoint = nil } }
        if let samples { settings.samples = samples }
        if let out { settings.out = out }
        if let universe { settings.universe = universe }
        if let data { settings.data = data }
        if let horizon { settings.horizon = horizon }
        if let confidenceThreshold { settings.confidenceThreshold = confidenceThreshold }
        if let minReturn { settings.minReturn = minReturn }
        if let maxStaleDays { settings.maxStaleDays = maxStaleDays }
        if let seed { settings.seed = seed }
        if let confidence { settings.confidence = confidence }
        if let epistemicScale { settings.epistemicScale = epistemicScale }
        if ignoreSignalRule { settings.signalRule = false }
        if let weightsOut { settings.weightsOut = weightsOut }
        if let sizing { settings.sizing = sizing }
        if let weightsMode { settings.weightsMode = weightsMode }
        if let kellyFraction { settings.kellyFraction = kellyFraction }
        if let maxWeight { settings.maxWeight = maxWeight }
        if let maxGross { settings.maxGross = maxGross }
        if let noTradeBand { settings.noTradeBand = noTradeBand }
        do { try settings.validate() } catch let error as CustomStringConvertible & Error {
            throw PipelineError("options: \(error.description)")
        }
        return settings
    }

    /// The rule values given on the command line: they override a rule file's.
    var ruleOverrides: SignalRuleOverrides {
        SignalRuleOverrides(confidenceThreshold: confidenceThreshold, minReturn: minReturn, horizon: horizon, confidence: confidence)
    }

    /// A strict `YYYY-MM-DD` date.
    static func day(_ text: String) -> DayNumber? { text.count == 10 ? CivilDate.parseISO(text) : nil }

    private func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
