// `marketgpt drift`: KS tests of the last N days per feature and category against the checkpoint's training reference.
import ArgumentParser
import Foundation
import MarketData
import MarketModel
import MarketOps
import MarketPipeline
import MarketSupport

/// Compares each feature's distribution over the last `--window` bars (per category, real bars as of
/// `--date`) with the reference stored in the checkpoint at training time.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Drift gate: two-sample KS test per feature and category, last N days vs the checkpoint's training reference.",
        discussion: """
            p-values are Benjamini–Hochberg adjusted over all tests; a test drifts when q < --level. Writes \
            <out>/drift_<date>.json and .svg (a heat map); prints the table (or --json). A checkpoint written before \
            the drift gate has no reference: it is then recomputed from the data before the checkpoint's \
            split.validation_start (reported as "recomputed"). Exit 0, or 4 with --fail-on-drift when drift is found, \
            1 on bad input, 64 on bad usage.
            """)

    @Option(help: "The checkpoint (.safetensors) holding the reference.")
    var checkpoint: String

    @Option(help: "The universe YAML file.")
    var universe: String

    @Option(help: "The data folder.")
    var data: String

    @Option(help: "The date YYYY-MM-DD (rows after it are ignored).")
    var date: String

    @Option(help: "N: the last N bars of each asset (default 60).")
    var window = 60

    @Option(help: "α: drift when the BH-adjusted p-value is below it (default 0.05).")
    var level = 0.05

    @Option(help: "Folder of drift_<date>.json and .svg (default runs/drift).")
    var out = "runs/drift"

    @Flag(help: "Print the JSON report instead of the table.")
    var json = false

    @Flag(help: "Exit 4 when drift is found.")
    var failOnDrift = false

    func validate() throws {
        if date.count != 10 || CivilDate.parseISO(date) == nil { throw ValidationError("--date \(date): expected YYYY-MM-DD") }
        try requireOption("--window", window, in: OptionLimits.driftWindow)
        try requireOption("--level", level, in: OptionLimits.driftLevel)
    }

    func run() throws {
        let day = CivilDate.parseISO(date)!
        let report: DriftReport, text: String
        do {
            let session = try UniverseSession.open(universe: URL(fileURLWithPath: universe), data: URL(fileURLWithPath: data), readUpTo: day)
            report = try DriftCheck.run(checkpointURL: URL(fileURLWithPath: checkpoint), session: session, date: day,
                                        options: DriftOptions(window: window, level: level))
            text = try DriftCheck.write(report, to: URL(fileURLWithPath: out))
        } catch let error as PipelineError { throw DataCommandFailure(error.description) }
        if json { print(text) } else {
            print(report.table(), terminator: "")
            print("drift: \(out)/drift_\(date).json, .svg (" + String(format: "%.2f s", report.seconds) + ")")
        }
        if failOnDrift && report.drift { throw ExitCode(4) }
    }
}
