// `marketgpt nightly`: fetch → coverage → drift gate → signals with the production models → register → notify.
import ArgumentParser
import Foundation
import MarketData
import MarketOps
import MarketSignals
import MarketPipeline
import MarketSupport

/// The whole nightly job in one command, with one JSON summary on stdout (and in `runs/nightly/<date>.json`).
struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "The nightly job: fetch → coverage check → drift gate → signals with the production models → register → notify.",
        discussion: """
            Settings: configs/nightly.yaml (its signals_config holds the signal rule and output folder). Production \
            models come from the run registry (`marketgpt runs promote`); categories without one use the signals \
            config's checkpoints. A lock file keeps two runs from overlapping. Prints one JSON summary (each step's \
            outcome). Exit codes: 0 signals written; 1 a step failed; 4 drift found with drift.mode stop; \
            5 coverage check failed; 75 another nightly run holds the lock; 64 bad usage.
            """)

    @Option(help: "The nightly config YAML.")
    var config: String = "configs/nightly.yaml"

    @Option(help: "Decision date YYYY-MM-DD (default: today, UTC).")
    var date: String?

    func validate() throws {
        if let date, date.count != 10 || CivilDate.parseISO(date) == nil { throw ValidationError("--date \(date): expected YYYY-MM-DD") }
    }

    func run() throws {
        let settings: NightlyConfig
        do { settings = try NightlyConfig.load(URL(fileURLWithPath: config)) } catch let error as CustomStringConvertible & Error {
            throw DataCommandFailure(error.description)
        }
        let day = date.flatMap(CivilDate.parseISO) ?? DayNumber(Int(Date().timeIntervalSince1970) / 86_400)
        let signals = try SignalsCommand.parse(["--config", settings.signalsConfig, "--universe", settings.universe,
                                                "--data", settings.data, "--date", CivilDate.isoString(day)])
        let signalSettings = try signals.resolvedConfig()
        let pretrained = signalSettings.checkpoint.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: signalSettings.checkpoints).appendingPathComponent(SignalModelSet.pretrainedFileName)
        let context = NightlyContext(
            date: day, configPath: config, codeVersion: MarketGPTVersion.string, fallbackDriftCheckpoint: pretrained,
            signals: { production in try Self.signals(settings: signalSettings, date: day, production: production) })
        let summary = NightlyRun.run(config: settings, context: context)
        print(try summary.jsonString())
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// The signal step: the signals config's models, each category with a production checkpoint scored by it.
    static func signals(settings: SignalsConfig, date: DayNumber, production: [String: URL]) throws -> NightlySignalsOutcome {
        let job = try SignalsJob(settings: settings, readUpTo: date, production: production)
        let (records, file) = try job.runNightly(date: date, out: URL(fileURLWithPath: settings.out))
        let definition = job.definition, models = job.models
        FileHandle.standardError.write(Data(SignalSummary.format(records).utf8))
        var counts: [String: Int] = [:]
        for record in records { counts[record.signal.rawValue, default: 0] += 1 }
        var used: [String: String] = [:]
        for category in definition.categories { if let model = models.model(for: category.name) { used[category.name] = model.url.path } }
        return NightlySignalsOutcome(file: file.path, assets: records.count, counts: counts, models: used)
    }
}
