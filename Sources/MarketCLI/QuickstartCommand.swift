// `marketgpt quickstart`: the whole pipeline on the embedded demo universe, with progress and a closing summary.
import ArgumentParser
import Foundation
import MarketSignals
import MarketPipeline

/// Runs `QuickstartPipeline` and prints the closing summary (every artefact's path and the key figures).
struct QuickstartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Run the whole pipeline on the embedded demo universe: data, training, signals, backtest, summary.",
        discussion: """
            Stages: demo data (written when the data folder holds none) → universe load with gap filling → \
            pre-training (--config) → walk-forward fine-tuning of one category → evaluation against baselines → \
            nightly signals for the last date → historical signals and a backtest of the out-of-sample period → \
            summary. Outputs go under runs/<run>/ and checkpoints/<run>/; progress goes to stderr, the summary to \
            stdout and runs/<run>/summary.json. A stage that this build cannot run yet says so and produces nothing.
            """)

    @Option(help: "Model and training configuration.")
    var config: String = "configs/quickstart.yaml"

    @Option(help: "Universe YAML (default: the embedded demo universe, as in universes/demo.yaml).")
    var universe: String?

    @Option(help: "Data folder (default: runs/<run>/data, filled with demo data when empty).")
    var data: String?

    @Option(name: .customLong("run"), help: "Run name: outputs go to runs/<run>/ and checkpoints/<run>/.")
    var runName: String = "quickstart"

    @Option(help: "Seed fixing every random draw (demo data, initialisation, batches, MC dropout).")
    var seed: UInt64 = 42

    @Option(help: "Category fine-tuned walk-forward and backtested.")
    var category: String = "us_stocks"

    @Option(help: "Stop pre-training at this optimizer step (default: training.total_steps of the config).")
    var steps: Int?

    @Option(help: "Years at the end of the data kept out of sample: never trained on, evaluated and backtested.")
    var oosYears: Int = 1

    @Option(help: "At most this many optimizer steps per walk-forward window (quick runs).")
    var maxStepsPerWindow: Int?

    @Option(help: "MC-dropout passes per asset for the signals.")
    var samples: Int = 20

    @Option(help: "BUY/SELL need at least this confidence (the nightly default in configs/signals.yaml is 0.7).")
    var confidenceThreshold: Double = 0.57

    @Option(help: "BUY/SELL need at least this absolute expected return, a fraction (nightly default 0.02).")
    var minReturn: Double = 0.002

    @Option(help: "Backtest only the last N trading dates of the out-of-sample period (quick runs).")
    var historyDays: Int?

    func validate() throws {
        if let steps { try requireOption("--steps", steps, in: OptionLimits.steps) }
        try requireOption("--oos-years", oosYears, in: OptionLimits.quickstartYears)
        try requireOption("--confidence-threshold", confidenceThreshold, in: OptionLimits.probability)
        try requireOption("--min-return", minReturn, in: OptionLimits.minReturn)
        try requireOption("--samples", samples, in: OptionLimits.samples)
        if let historyDays { try requireOption("--history-days", historyDays, in: OptionLimits.historyDays) }
        if let maxStepsPerWindow { try requireOption("--max-steps-per-window", maxStepsPerWindow, in: OptionLimits.stepsPerWindow) }
        guard !runName.isEmpty, !runName.contains("/") else { throw ValidationError("--run \(runName): a plain name without '/'") }
    }

    func run() throws {
        let settings = QuickstartPipeline.Settings(
            workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
            universePath: universe, dataPath: data, configPath: config, run: runName, seed: seed, category: category, steps: steps, oosYears: oosYears,
            maxStepsPerWindow: maxStepsPerWindow, samples: samples, historyDays: historyDays)
        var tuned = settings
        tuned.rule = SignalRule(confidenceThreshold: confidenceThreshold, minReturn: minReturn)
        let pipeline = QuickstartPipeline(settings: tuned) { message in
            let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { "quickstart: \($0)\n" }
            FileHandle.standardError.write(Data(lines.joined().utf8))
        }
        let started = Date()
        let results = try pipeline.runAll()
        print(Self.summaryText(results, pipeline: pipeline, seconds: Date().timeIntervalSince(started)))
    }

    /// The closing summary: per stage its status, artefacts and figures; then the total wall time.
    static func summaryText(_ results: [QuickstartStageResult], pipeline: QuickstartPipeline, seconds: Double) -> String {
        var lines = ["MarketGPT quickstart — run '\(pipeline.settings.run)'"]
        for result in results {
            let status: String
            switch result.status {
            case .done: status = String(format: "done (%.1f s)", result.seconds)
            case .reused: status = "reused"
            case .partial: status = String(format: "partly done (%.1f s)", result.seconds)
            case .unavailable: status = "not yet available"
            }
            lines.append("• \(result.title): \(status)")
            for artefact in result.artefacts { lines.append("    \(artefact.label): \(artefact.path)") }
            for figure in result.figures where !figure.value.isEmpty { lines.append("    \(figure.label) = \(figure.value)") }
            if !result.note.isEmpty && result.status != .reused { lines.append("    (\(result.note))") }
        }
        lines.append("• summary: \(pipeline.runPath)/summary.json")
        let missing = results.filter { $0.status == .unavailable }.count
        lines.append(String(format: "Total %.1f s; %d of %d stages ran", seconds, results.count - missing, results.count)
                     + (missing > 0 ? ", \(missing) not yet available in this build." : "."))
        return lines.joined(separator: "\n")
    }
}
