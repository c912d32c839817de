// The work of one synth job: the uploaded CSV → `SynthJobs.generate` (the `marketgpt synth` workflow) →
// CSVs + report.json → result.zip and result-xlsx.zip.
import Foundation
import MarketData
import MarketPipeline
import MarketSynthetic
import ZIPFoundation

/// Validation and packaging of a synth job around `SynthJobs.generate`, so the same parameters give the
/// bytes `marketgpt synth` writes. Files of a run are written under `<job>/.partial/` and renamed into
/// place only when everything is written.
enum SynthJobWork {
    static let inputName = "input.csv"
    /// The result files of a finished job, relative to its folder.
    static let resultNames = ["result", "result.zip", "result-xlsx.zip"]

    /// The settings of `marketgpt synth` for `parameters`.
    static func settings(_ parameters: SynthJobParameters, threads: Int) -> SynthJobs.Settings {
        SynthJobs.Settings(count: parameters.count, minFidelity: parameters.minFidelity, seed: parameters.seed,
                           length: parameters.length, maxAttempts: parameters.maxAttempts,
                           method: BootstrapMethod(rawValue: parameters.method) ?? .stationary, blockLength: nil,
                           threads: threads, zip: false, csv: CSVOptions())
    }

    /// Checks that the upload can be synthesised: the loader's one-line reason (file, line, what) → 422.
    static func validate(csv: Data, parameters: SynthJobParameters) throws {
        let loaded: CSVLoadResult
        do { loaded = try OHLCVCSV.parse(csv, file: parameters.sourceName) } catch let error as DataError {
            throw APIError.unprocessable(error.description)
        }
        do {
            let engine = try SyntheticEngine(series: loaded.series, method: BootstrapMethod(rawValue: parameters.method) ?? .stationary)
            if engine.source.count < 32 {
                throw APIError.unprocessable("\(parameters.sourceName): \(engine.source.count) returns, at least 32 are needed")
            }
        } catch let error as SyntheticError {
            throw APIError.unprocessable(DataError(file: parameters.sourceName, reason: error.description).description)
        }
    }

    /// Runs the job in `folder`; `progress(tried, accepted)` after every batch of candidates; `isCancelled`
    /// is checked after every batch and every packaged series (→ `CancellationError`).
    /// Returns the fidelity of each kept series.
    static func run(folder: URL, parameters: SynthJobParameters, threads: Int,
                    progress: @escaping (Int, Int) -> Void, isCancelled: @escaping () -> Bool) throws -> [Double] {
        let partial = folder.appendingPathComponent(".partial")
        try? FileManager.default.removeItem(at: partial)
        let resultFolder = partial.appendingPathComponent("result")
        let accepted = try SynthJobs.generate(input: folder.appendingPathComponent(inputName), out: resultFolder,
                                              settings: settings(parameters, threads: threads), onBatch: { tried, kept in
            progress(tried, kept)
            return !isCancelled()
        })
        var csvFiles: [(String, Data)] = [], xlsxFiles: [(String, Data)] = []
        for sample in accepted {
            if isCancelled() { throw CancellationError() }
            let name = "synthetic_\(sample.sample)"
            let csvURL = resultFolder.appendingPathComponent(name + ".csv")
            csvFiles.append((name + ".csv", try Data(contentsOf: csvURL)))
            let xlsx = partial.appendingPathComponent(name + ".xlsx")
            try workbook(try OHLCVCSV.load(csvURL).series, name: name).write(to: xlsx)
            xlsxFiles.append((name + ".xlsx", try Data(contentsOf: xlsx)))
            try FileManager.default.removeItem(at: xlsx)
        }
        let report = try Data(contentsOf: resultFolder.appendingPathComponent("report.json"))
        try zipFiles(csvFiles + [("report.json", report)], to: partial.appendingPathComponent("result.zip"))
        try zipFiles(xlsxFiles + [("report.json", report)], to: partial.appendingPathComponent("result-xlsx.zip"))
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
