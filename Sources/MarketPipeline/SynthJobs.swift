// The synthetic-series workflows behind `marketgpt synth`: generation with rejection sampling, and the fidelity survey.
import Foundation
import MarketData
import MarketSupport
import MarketSynthetic
import ZIPFoundation

/// `synth` generate and survey, callable from the CLI, a server or a scheduler.
public enum SynthJobs {
    /// The knobs of both workflows (the CLI's options).
    public struct Settings: Sendable {
        /// Series kept (survey: candidates per file).
        public var count: Int
        /// Minimum fidelity (0–100) a kept candidate needs.
        public var minFidelity: Double
        /// Fixes every draw.
        public var seed: UInt64
        /// Days per series (nil: the source's length).
        public var length: Int?
        /// Candidates tried per kept series before giving up.
        public var maxAttempts: Int
        public var method: BootstrapMethod
        /// Block length in days (nil: automatic).
        public var blockLength: Double?
        public var threads: Int
        /// One ZIP instead of loose CSV files.
        public var zip: Bool
        /// How the source CSVs are read.
        public var csv: CSVOptions

        public init(count: Int, minFidelity: Double, seed: UInt64, length: Int?, maxAttempts: Int, method: BootstrapMethod,
                    blockLength: Double?, threads: Int, zip: Bool, csv: CSVOptions) {
            self.count = count
            self.minFidelity = minFidelity
            self.seed = seed
            self.length = length
            self.maxAttempts = maxAttempts
            self.method = method
            self.blockLength = blockLength
            self.threads = threads
            self.zip = zip
            self.csv = csv
        }
    }

    private static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DataError {
            throw PipelineError(error.description)
        } catch let error as SyntheticError {
            throw PipelineError("synth: \(error.description)")
        }
    }

    /// Generates `settings.count` synthetic series from `input` by block bootstrap with rejection sampling and
    /// writes `out/synthetic_<i>.csv` (or `out/synthetic.zip`) and `out/report.json`, each atomically.
    /// Returns the accepted samples. Throws `PipelineError` naming the file; `onBatch(tried, accepted)` after every
    /// batch of candidates may return false to stop (`CancellationError`, nothing written).
    @discardableResult
    public static func generate(input inputURL: URL, out outURL: URL, settings: Settings,
                                log: @escaping (String) -> Void = { _ in },
                                onBatch: ((_ tried: Int, _ accepted: Int) -> Bool)? = nil) throws -> [AcceptedCandidate] {
        try wrap {
        let count = settings.count, minFidelity = settings.minFidelity, seed = settings.seed, length = settings.length
        let maxAttempts = settings.maxAttempts, blockLength = settings.blockLength, threads = settings.threads, zip = settings.zip
        let method = settings.method.rawValue
        let loaded = try OHLCVCSV.load(inputURL, options: settings.csv)
        let series = loaded.series, skipped = loaded.report.droppedRows.count
        let engine: SyntheticEngine
        do {
            engine = try SyntheticEngine(series: series, method: settings.method, blockLength: blockLength)
        } catch let error as SyntheticError {
            throw DataError(file: inputURL.path, reason: error.description)
        }
        let days = length ?? engine.source.count
        log("synth: \(inputURL.lastPathComponent): \(engine.source.count) returns (\(skipped) rows skipped), "
            + "block length \(String(format: "%.2f", engine.blockLength)) (\(method))")
        let start = Date()
        let accepted = try RejectionSampler.sample(
            engine: engine, count: count, minFidelity: minFidelity, length: days, maxAttempts: maxAttempts,
            seed: seed, threads: threads, progress: { done, total in log("synth: \(done)/\(total) accepted") }, onBatch: onBatch)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        var files: [(name: String, text: String)] = []
        for sample in accepted {
            let bars = engine.series(seed: seed, candidate: sample.candidate, length: days,
                                     startDate: (series.dates.first ?? 1) - 1)
            files.append(("synthetic_\(sample.sample).csv", OHLCVCSV.text(bars, prices: .significant8)))
        }
        if zip {
            try AtomicFile.write(to: outURL.appendingPathComponent("synthetic.zip")) { temporary in
                let archive = try Archive(url: temporary, accessMode: .create)
                for file in files {
                    let bytes = Data(file.text.utf8)
                    try archive.addEntry(with: file.name, type: .file, uncompressedSize: Int64(bytes.count),
                                         compressionMethod: .deflate) { position, size in
                        bytes.subdata(in: Int(position)..<Int(position) + size)
                    }
                }
            }
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
            "min_fidelity": minFidelity,
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
        return accepted
        }
    }

    /// Scores `count` candidates of every CSV under `folder`; prints median fidelity and acceptance rates.
    public static func survey(_ folder: URL, settings: Settings, log: @escaping (String) -> Void = { _ in }) throws -> [String: Any] {
        try wrap {
        let count = settings.count, seed = settings.seed, length = settings.length, blockLength = settings.blockLength

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
            let series = try OHLCVCSV.load(file, options: settings.csv).series
            guard let engine = try? SyntheticEngine(series: series, method: settings.method,
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
            var rng = SeededRandom(seed: seed, stream: UInt64.max, salt: SeededRandom.syntheticSalt)
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
        return result
        }
    }
}
