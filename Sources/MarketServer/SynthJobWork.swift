// The work of one synth job: the uploaded CSV → accepted series → CSVs + report.json → result.zip and result-xlsx.zip.
import Foundation
import MarketData
import MarketSynthetic
import ZIPFoundation

/// Generation and packaging of a synth job (the same engine, sampler and seed semantics as `marketgpt synth`:
/// the same parameters give the same series). Files of a run are written under `<job>/.partial/` and renamed
/// into place only when everything is written.
enum SynthJobWork {
    static let inputName = "input.csv"
    /// The result files of a finished job, relative to its folder.
    static let resultNames = ["result", "result.zip", "result-xlsx.zip"]

    /// Parses the upload and prepares the engine: the loader's one-line reason (file, line, what) → 422.
    static func engine(csv: Data, parameters: SynthJobParameters) throws -> (SyntheticEngine, OHLCVSeries, CSVLoadResult) {
        let loaded: CSVLoadResult
        do { loaded = try OHLCVCSV.parse(csv, file: parameters.sourceName) } catch let error as DataError {
            throw APIError.unprocessable(error.description)
        }
        do {
            let engine = try SyntheticEngine(series: loaded.series, method: BootstrapMethod(rawValue: parameters.method) ?? .stationary)
            return (engine, loaded.series, loaded)
        } catch let error as SyntheticError {
            throw APIError.unprocessable(DataError(file: parameters.sourceName, reason: error.description).description)
        }
    }

    /// Checks that the upload can be synthesised (422 with the reason otherwise).
    static func validate(csv: Data, parameters: SynthJobParameters) throws {
        let (engine, _, _) = try engine(csv: csv, parameters: parameters)
        if engine.source.count < 32 {
            throw APIError.unprocessable("\(parameters.sourceName): \(engine.source.count) returns, at least 32 are needed")
        }
    }

    /// Runs the job in `folder`; `progress(tried, accepted)` after every batch of candidates; `isCancelled`
    /// is checked after every batch and every written series (→ `CancellationError`).
    /// Returns the fidelity of each kept series.
    static func run(folder: URL, parameters: SynthJobParameters, threads: Int,
                    progress: @escaping (Int, Int) -> Void, isCancelled: @escaping () -> Bool) throws -> [Double] {
        let started = Date()
        let csv = try Data(contentsOf: folder.appendingPathComponent(inputName))
        let (engine, series, loaded) = try engine(csv: csv, parameters: parameters)
        let days = parameters.length ?? engine.source.count
        let accepted = try RejectionSampler.sample(engine: engine, count: parameters.count, minFidelity: parameters.minFidelity,
                                                   length: days, maxAttempts: parameters.maxAttempts, seed: parameters.seed,
                                                   threads: threads) { tried, kept in
            progress(tried, kept)
            return !isCancelled()
        }
        let partial = folder.appendingPathComponent(".partial")
        try? FileManager.default.removeItem(at: partial)
        let resultFolder = partial.appendingPathComponent("result")
        try FileManager.default.createDirectory(at: resultFolder, withIntermediateDirectories: true)
        var csvFiles: [(String, Data)] = [], xlsxFiles: [(String, Data)] = []
        for sample in accepted {
            if isCancelled() { throw CancellationError() }
            let bars = engine.series(seed: parameters.seed, candidate: sample.candidate, length: days,
                                     startDate: (series.dates.first ?? 1) - 1)
            let name = "synthetic_\(sample.sample)"
            csvFiles.append((name + ".csv", Data(csvText(bars).utf8)))
            let xlsx = partial.appendingPathComponent(name + ".xlsx")
            try workbook(bars, name: name).write(to: xlsx)
            xlsxFiles.append((name + ".xlsx", try Data(contentsOf: xlsx)))
            try FileManager.default.removeItem(at: xlsx)
        }
        let report: [String: Any] = [
            "source": parameters.sourceName, "source_returns": engine.source.count, "skipped_rows": loaded.report.droppedRows.count,
            "method": parameters.method, "block_length": engine.blockLength, "seed": NSNumber(value: parameters.seed),
            "length": days, "min_fidelity": parameters.minFidelity, "source_metrics": engine.sourceFacts.dictionary,
            "seconds": Date().timeIntervalSince(started),
            "samples": zip(csvFiles, accepted).map { file, sample -> [String: Any] in
                ["file": file.0, "candidate": sample.candidate, "fidelity": sample.fidelity,
                 "attempts": sample.attempts, "metrics": sample.facts.dictionary]
            },
        ]
        let reportData = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        for (name, bytes) in csvFiles { try bytes.write(to: resultFolder.appendingPathComponent(name)) }
        try reportData.write(to: resultFolder.appendingPathComponent("report.json"))
        try zipFiles(csvFiles + [("report.json", reportData)], to: partial.appendingPathComponent("result.zip"))
        try zipFiles(xlsxFiles + [("report.json", reportData)], to: partial.appendingPathComponent("result-xlsx.zip"))
        if isCancelled() { throw CancellationError() }
        for name in resultNames {
            let target = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: partial.appendingPathComponent(name), to: target)
        }
        return accepted.map(\.fidelity)
    }

    /// One worksheet `Date, Open, High, Low, Close, Volume` (dates as Excel dates).
    static func workbook(_ bars: OHLCVSeries, name: String) -> XLSXWorkbook {
        var rows: [[XLSXWorkbook.Cell]] = []
        rows.reserveCapacity(bars.count)
        for i in 0..<bars.count {
            rows.append([.date(bars.dates[i]), .number(bars.open[i]), .number(bars.high[i]), .number(bars.low[i]),
                         .number(bars.close[i]), .number(bars.volume[i].rounded())])
        }
        return XLSXWorkbook(sheetName: name, header: ["Date", "Open", "High", "Low", "Close", "Volume"], rows: rows)
    }

    /// `Date,Open,High,Low,Close,Volume`, prices with 8 significant digits (the layout of `marketgpt synth`).
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

    /// A deflated ZIP of `files` at `url`.
    static func zipFiles(_ files: [(String, Data)], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (name, bytes) in files {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
