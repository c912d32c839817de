// The work of one synth job: the uploaded CSV → `SynthJobs.generate` (the `marketgpt synth` workflow) →
// CSVs + report.json → result.zip and result-xlsx.zip.
import Dispatch
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
    /// Returns the fidelity of each kept series and the seconds of generation (`SynthJobs.generate`: candidates,
    /// CSVs, report.json — what `marketgpt synth` does) and of packaging (workbooks and the two zips).
    static func run(folder: URL, parameters: SynthJobParameters, threads: Int,
                    progress: @escaping (Int, Int) -> Void, isCancelled: @escaping () -> Bool) throws -> (fidelity: [Double], generationSeconds: Double, packagingSeconds: Double) {
        let started = Date()
        let partial = folder.appendingPathComponent(".partial")
        try? FileManager.default.removeItem(at: partial)
        let resultFolder = partial.appendingPathComponent("result")
        let accepted = try SynthJobs.generate(input: folder.appendingPathComponent(inputName), out: resultFolder,
                                              settings: settings(parameters, threads: threads), onBatch: { tried, kept in
            progress(tried, kept)
            return !isCancelled()
        })
        let generated = Date()
        // One workbook per series, built on the job's threads (each series its own file), then read back in order.
        var csvFiles: [(String, Data)] = [], xlsxFiles: [(String, Data)] = []
        let names = accepted.map { "synthetic_\($0.sample)" }
        var failures = [Error?](repeating: nil, count: names.count)
        let workers = max(1, min(threads, names.count))
        failures.withUnsafeMutableBufferPointer { failed in
            let failedBase = failed.baseAddress
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var index = worker
                while index < names.count, !isCancelled() {
                    do {
                        let bars = try OHLCVCSV.load(resultFolder.appendingPathComponent(names[index] + ".csv")).series
                        try workbook(bars, name: names[index]).write(to: partial.appendingPathComponent(names[index] + ".xlsx"))
                    } catch { failedBase?[index] = error }
                    index += workers
                }
            }
        }
        if isCancelled() { throw CancellationError() }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        for name in names {
            csvFiles.append((name + ".csv", try Data(contentsOf: resultFolder.appendingPathComponent(name + ".csv"))))
            let xlsx = partial.appendingPathComponent(name + ".xlsx")
            xlsxFiles.append((name + ".xlsx", try Data(contentsOf: xlsx)))
            try FileManager.default.removeItem(at: xlsx)
        }
        let report = try Data(contentsOf: resultFolder.appendingPathComponent("report.json"))
        try zipFiles(csvFiles + [("report.json", report)], to: partial.appendingPathComponent("result.zip"))
        // An .xlsx is already a deflated ZIP: stored as is (deflating it again costs time and saves nothing).
        try zipFiles(xlsxFiles, to: partial.appendingPathComponent("result-xlsx.zip"), compression: .none, then: [("report.json", report)])
        if isCancelled() { throw CancellationError() }
        for name in resultNames {
            let target = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: partial.appendingPathComponent(name), to: target)
        }
        return (accepted.map(\.fidelity), generated.timeIntervalSince(started), Date().timeIntervalSince(generated))
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

    /// A ZIP of `files` at `url` (`compression`, default deflate), then of `then` deflated.
    static func zipFiles(_ files: [(String, Data)], to url: URL, compression: CompressionMethod = .deflate,
                         then deflated: [(String, Data)] = []) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (name, bytes, method) in files.map({ ($0.0, $0.1, compression) }) + deflated.map({ ($0.0, $0.1, CompressionMethod.deflate) }) {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: method) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
