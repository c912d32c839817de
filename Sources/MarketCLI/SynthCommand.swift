// `marketgpt synth`: synthetic OHLCV series by block bootstrap with rejection sampling (and a fidelity survey).
import ArgumentParser
import Foundation
import MarketData
import MarketSynthetic
import ZIPFoundation

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
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        if let minFidelity, !(0...100).contains(minFidelity) { throw ValidationError("--min-fidelity must be in 0...100") }
        guard stressQuantile > 0 && stressQuantile <= 1 else { throw ValidationError("--stress-quantile must be in (0, 1]") }
        if universe != nil || data != nil || category != nil {
            guard universe != nil, data != nil, category != nil else { throw ValidationError("--universe, --data and --category go together") }
            guard input == nil, survey == nil else { throw ValidationError("--category draws a whole category: leave out --input and --survey") }
            guard out != nil else { throw ValidationError("--out is required") }
            return
        }
        if stress || independent { throw ValidationError("--stress and --independent need --universe, --data and --category") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if let length, length < 32 { throw ValidationError("--length must be at least 32 days") }
        if survey == nil {
            guard input != nil else { throw ValidationError("--input is required (or --survey DIR)") }
            guard out != nil else { throw ValidationError("--out is required") }
        }
    }

    func run() throws {
        do {
            if let survey { try runSurvey(URL(fileURLWithPath: survey)); return }
            if let universe, let data, let category { try generateUniverse(universePath: universe, dataPath: data, category: category); return }
            try generate()
        } catch let error as DataError {
            throw DataCommandFailure(error.description)
        } catch let error as SyntheticError {
            throw DataCommandFailure("synth: \(error.description)")
        }
    }

    private func generate() throws {
        let inputURL = URL(fileURLWithPath: input!)
        let outURL = URL(fileURLWithPath: out!)
        let loaded = try OHLCVCSV.load(inputURL, options: layout.csvOptions())
        let series = loaded.series, skipped = loaded.report.droppedRows.count
        let engine: SyntheticEngine
        do {
            engine = try SyntheticEngine(series: series, method: BootstrapMethod(rawValue: method)!, blockLength: blockLength)
        } catch let error as SyntheticError {
            throw DataError(file: inputURL.path, reason: error.description)
        }
        let days = length ?? engine.source.count
        log("synth: \(inputURL.lastPathComponent): \(engine.source.count) returns (\(skipped) rows skipped), "
            + "block length \(String(format: "%.2f", engine.blockLength)) (\(method))")
        let start = Date()
        let accepted = try RejectionSampler.sample(
            engine: engine, count: count, minFidelity: minFidelity ?? 90, length: days, maxAttempts: maxAttempts,
            seed: seed, threads: threads) { done, total in log("synth: \(done)/\(total) accepted") }
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        var files: [(name: String, text: String)] = []
        for sample in accepted {
            let bars = engine.series(seed: seed, candidate: sample.candidate, length: days,
                                     startDate: (series.dates.first ?? 1) - 1)
            files.append(("synthetic_\(sample.sample).csv", Self.csvText(bars)))
        }
        if zip {
            let temporary = outURL.appendingPathComponent(".synthetic.zip.tmp")
            try? FileManager.default.removeItem(at: temporary)
            let archive = try Archive(url: temporary, accessMode: .create)
            for file in files {
                let bytes = Data(file.text.utf8)
                try archive.addEntry(with: file.name, type: .file, uncompressedSize: Int64(bytes.count),
                                     compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            try replace(outURL.appendingPathComponent("synthetic.zip"), with: temporary)
        } else {
            for file in files { try AtomicFile.write(file.text, to: outURL.appendingPathComponent(file.name)) }
        }
        let report: [String: Any] = [
            "source": inputURL.path,
            "source_returns": engine.source.count,
            "skipped_rows": skipped,
            "method": method,
            "block_length": engine.blockLength,
            "seed": seed,
            "length": days,
            "min_fidelity": minFidelity ?? 90,
            "source_metrics": engine.sourceFacts.dictionary,
            "archive": zip ? "synthetic.zip" : NSNull(),
            "seconds": Date().timeIntervalSince(start),
            "samples": Swift.zip(files, accepted).map { file, sample -> [String: Any] in
                ["file": file.name, "candidate": sample.candidate, "fidelity": sample.fidelity,
                 "attempts": sample.attempts, "metrics": sample.facts.dictionary]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: outURL.appendingPathComponent("report.json"))
        let fidelities = accepted.map(\.fidelity)
        print("wrote \(accepted.count) series to \(outURL.path) (fidelity \(String(format: "%.1f", fidelities.min() ?? 0))"
              + "–\(String(format: "%.1f", fidelities.max() ?? 0)), \(accepted.reduce(0) { $0 + $1.attempts }) candidates)")
    }

    /// Scores `count` candidates of every CSV under `folder`; prints median fidelity and acceptance rates.
    private func runSurvey(_ folder: URL) throws {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw DataError(file: folder.path, reason: "cannot list the folder")
        }
        let files = walker.compactMap { $0 as? URL }.filter { $0.pathExtension.lowercased() == "csv" && $0.lastPathComponent != "stats.csv" }
            .sorted { $0.path < $1.path }
        var all: [Double] = [], perFile: [[String: Any]] = []
        var similaritySums = [Double](repeating: 0, count: StylizedFacts.count)
        var gaussianScores: [Double] = []
        let start = Date()
        for file in files {
            let series = try OHLCVCSV.load(file, options: layout.csvOptions()).series
            guard let engine = try? SyntheticEngine(series: series, method: BootstrapMethod(rawValue: method)!,
                                                    blockLength: blockLength) else {
                log("synth: survey: \(file.lastPathComponent): too short, skipped"); continue
            }
            let days = length ?? engine.source.count
            let workspace = CandidateWorkspace(length: days)
            var scores: [Double] = []
            for candidate in 0..<count {
                let (fidelity, facts) = engine.evaluate(seed: seed, candidate: candidate, workspace: workspace)
                scores.append(fidelity)
                let similarity = FidelityScore.similarities(facts, to: engine.sourceFacts)
                for i in 0..<StylizedFacts.count { similaritySums[i] += similarity[i] }
            }
            all += scores
            // Control: an i.i.d. Gaussian series with the source's variance (should score clearly lower).
            var rng = SyntheticRandom(seed: seed, stream: UInt64.max)
            let sigma = engine.sourceFacts.volatility
            let gaussian = (0..<days).map { _ in sigma * rng.gaussian() }
            gaussianScores.append(FidelityScore.score(StylizedFacts(returns: gaussian), to: engine.sourceFacts))
            let sorted = scores.sorted()
            perFile.append(["file": file.path.replacingOccurrences(of: folder.path + "/", with: ""),
                            "median_fidelity": sorted[sorted.count / 2], "block_length": engine.blockLength,
                            "returns": engine.source.count])
        }
        let sorted = all.sorted()
        func rate(_ threshold: Double) -> Double { Double(all.filter { $0 >= threshold }.count) / Double(max(all.count, 1)) }
        let result: [String: Any] = [
            "files": perFile.count, "candidates": all.count,
            "median_fidelity": sorted.isEmpty ? 0 : sorted[sorted.count / 2],
            "p10_fidelity": sorted.isEmpty ? 0 : sorted[sorted.count / 10],
            "acceptance_90": rate(90), "acceptance_95": rate(95),
            "gaussian_median_fidelity": gaussianScores.isEmpty ? 0 : gaussianScores.sorted()[gaussianScores.count / 2],
            "seconds": Date().timeIntervalSince(start), "per_file": perFile,
            "mean_similarity": Dictionary(uniqueKeysWithValues: Swift.zip(StylizedFacts.names,
                                                                    similaritySums.map { $0 / Double(max(all.count, 1)) })),
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func replace(_ destination: URL, with temporary: URL) throws {
        if FileManager.default.fileExists(atPath: destination.path) {
            _ = try FileManager.default.replaceItemAt(destination, withItemAt: temporary)
        } else {
            try FileManager.default.moveItem(at: temporary, to: destination)
        }
    }

    /// The CSV text of `series`: `Date,Open,High,Low,Close,Volume`, prices with 8 significant digits.
    static func csvText(_ series: OHLCVSeries) -> String {
        var out = "Date,Open,High,Low,Close,Volume\n"
        out.reserveCapacity(series.count * 64)
        for i in 0..<series.count {
            out += CivilDate.isoString(series.dates[i])
            for value in [series.open[i], series.high[i], series.low[i], series.close[i]] {
                out += "," + String(format: "%.8g", value)
            }
            out += "," + String(Int64(series.volume[i].rounded())) + "\n"
        }
        return out
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

