// `marketgpt synth`: synthetic OHLCV series by block bootstrap with rejection sampling (and a fidelity survey).
import ArgumentParser
import Foundation
import MarketData
import MarketSynthetic
import MarketPipeline

/// Generates synthetic series from one CSV, or surveys the fidelity of candidates over a folder of CSVs.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic OHLCV series by block bootstrap with rejection sampling on a fidelity score.",
        discussion: """
        Writes DIR/synthetic_<i>.csv (or DIR/synthetic.zip with --zip) and DIR/report.json (source metrics, \
        block length, and per sample: file, fidelity, attempts, metrics). With --survey DIR it instead scores \
        --count candidates of every CSV under DIR and prints the median fidelity and acceptance rates. \
        With --universe U --data D --category K it draws correlated scenarios of the whole category (a joint \
        stationary bootstrap: the same source days for every asset) into DIR/scenario_<i>/<TICKER>.csv, scored on \
        each asset's stylized facts and the correlation matrix; --stress starts every block on a high-volatility day.
        """)

    @Option(help: "Source CSV (Date,Open,High,Low,Close,Volume[,Adj Close]).")
    var input: String?

    @Option(help: "Number of synthetic series to keep (with --survey: candidates per file).")
    var count: Int = 10

    @Option(help: "Minimum fidelity (0-100) a candidate needs to be kept (default 90; 85 for the joint fidelity of --category).")
    var minFidelity: Double?

    @Option(help: "Output folder.")
    var out: String?

    @Option(help: "Random seed; fixes every draw.")
    var seed: UInt64 = 42

    @Option(help: "Days per synthetic series (default: the source's length).")
    var length: Int?

    @Option(help: "Maximum candidates tried per kept series before giving up.")
    var maxAttempts: Int = 200

    @Option(help: "Bootstrap method: stationary (default) or circular.")
    var method: String = "stationary"

    @Option(help: "Block length in days (default: automatic, Politis-White).")
    var blockLength: Double?

    @Option(help: "Worker threads for candidate generation.")
    var threads: Int = 2

    @Flag(help: "Write one ZIP of all CSVs (DIR/synthetic.zip) instead of loose CSV files.")
    var zip = false

    @Option(help: "Survey every CSV under this folder instead of generating (prints JSON).")
    var survey: String?

    @Option(help: "Universe YAML: with --data and --category, draw correlated scenarios of one category.")
    var universe: String?

    @Option(help: "Data folder of the universe's CSVs (with --universe).")
    var data: String?

    @Option(help: "Category whose assets are drawn jointly (with --universe).")
    var category: String?

    @Flag(help: "Stress scenarios: every bootstrap block starts on a day of high category volatility (with --category).")
    var stress = false

    @Option(help: "Share of days (top trailing 20-day category volatility) that start --stress blocks.")
    var stressQuantile: Double = 0.1

    @Flag(help: "Independent per-asset draws instead of the joint one (the reference that loses correlations; with --category).")
    var independent = false

    @OptionGroup var layout: CSVLayoutOptions

    func validate() throws {
        guard BootstrapMethod(rawValue: method) != nil else {
            throw ValidationError("--method must be stationary or circular, got '\(method)'")
        }
        try requireOption("--count", count, in: OptionLimits.synthCount)
        try requireOption("--threads", threads, in: OptionLimits.threads)
        try requireOption("--max-attempts", maxAttempts, in: OptionLimits.synthAttempts)
        if let length { try requireOption("--length", length, in: OptionLimits.synthLength) }
        if let blockLength { try requireOption("--block-length", blockLength, in: OptionLimits.blockLength) }
        if let minFidelity { try requireOption("--min-fidelity", minFidelity, in: OptionLimits.fidelity) }
        try requireOption("--stress-quantile", stressQuantile, in: OptionLimits.stressQuantile)
        if universe != nil || data != nil || category != nil {
            guard universe != nil, data != nil, category != nil else { throw ValidationError("--universe, --data and --category go together") }
            guard input == nil, survey == nil else { throw ValidationError("--category draws a whole category: leave out --input and --survey") }
            guard out != nil else { throw ValidationError("--out is required") }
            return
        }
        if stress || independent { throw ValidationError("--stress and --independent need --universe, --data and --category") }
        if survey == nil {
            guard input != nil else { throw ValidationError("--input is required (or --survey DIR)") }
            guard out != nil else { throw ValidationError("--out is required") }
        }
    }

    func run() throws {
        if let universe, let data, let category {
            do { try generateUniverse(universePath: universe, dataPath: data, category: category) } catch let error as DataError {
                throw DataCommandFailure(error.description)
            } catch let error as SyntheticError {
                throw DataCommandFailure("synth: \(error.description)")
            }
            return
        }
        let settings = SynthJobs.Settings(count: count, minFidelity: minFidelity ?? 90, seed: seed, length: length, maxAttempts: maxAttempts,
                                          method: BootstrapMethod(rawValue: method)!, blockLength: blockLength, threads: threads,
                                          zip: zip, csv: try layout.csvOptions())
        if let survey {
            let result = try SynthJobs.survey(URL(fileURLWithPath: survey), settings: settings, log: log)
            let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let written = try SynthJobs.generate(input: URL(fileURLWithPath: input!), out: URL(fileURLWithPath: out!), settings: settings, log: log)
        let fidelities = written.map(\.fidelity)
        print("wrote \(written.count) series to \(URL(fileURLWithPath: out!).path) (fidelity \(String(format: "%.1f", fidelities.min() ?? 0))"
              + "–\(String(format: "%.1f", fidelities.max() ?? 0)), \(written.reduce(0) { $0 + $1.attempts }) candidates)")
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

