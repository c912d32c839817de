// The work of one synth job: the uploaded CSV → `SynthJobs.generate` (the `marketgpt synth` workflow) →
// CSVs + report.json; result.zip and result-xlsx.zip made from them on first download.
import Dispatch
import Foundation
import MarketData
import MarketSupport
import MarketPipeline
import MarketSynthetic
import ZIPFoundation

/// Validation and packaging of a synth job around `SynthJobs.generate`, so the same parameters give the
/// bytes `marketgpt synth` writes. Files of a run are written under `<job>/.partial/` and renamed into
/// place only when everything is written; each ZIP is written beside its name and renamed into place.
enum SynthJobWork {
    static let inputName = "input.csv"
    /// The result files of a finished job, relative to its folder.
    static let resultNames = ["result"] + SynthJobDownload.allCases.map(\.rawValue)

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

    /// Runs the job in `folder`: exactly the work of `marketgpt synth` (candidates, CSVs, report.json) into
    /// `<job>/.partial/result`, renamed to `<job>/result` when complete. `progress(tried, accepted)` after every
    /// batch of candidates; `isCancelled` is checked after every batch (→ `CancellationError`). The ZIPs are not
    /// made here: `package` builds each on its first download (so a job costs what the command costs).
    /// Returns the fidelity of each kept series and the seconds of generation.
    static func run(folder: URL, parameters: SynthJobParameters, threads: Int,
                    progress: @escaping (Int, Int) -> Void, isCancelled: @escaping () -> Bool) throws -> (fidelity: [Double], generationSeconds: Double) {
        let started = Date()
        let partial = folder.appendingPathComponent(".partial")
        try? FileManager.default.removeItem(at: partial)
        let resultFolder = partial.appendingPathComponent("result")
        let accepted = try SynthJobs.generate(input: folder.appendingPathComponent(inputName), out: resultFolder,
                                              settings: settings(parameters, threads: threads), onBatch: { tried, kept in
            progress(tried, kept)
            return !isCancelled()
        })
        if isCancelled() { throw CancellationError() }
        let target = folder.appendingPathComponent("result")
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: resultFolder, to: target)
        try? FileManager.default.removeItem(at: partial)
        return (accepted.map(\.fidelity), Date().timeIntervalSince(started))
    }

    /// Builds `<job>/<package>` from the job's `result/` folder (the series in `report.json`'s order, workbooks
    /// on `threads` threads) and renames it into place atomically (`AtomicFile`): a reader sees the whole ZIP
    /// or none. Returns the seconds it took.
    static func package(_ package: SynthJobDownload, folder: URL, threads: Int) throws -> Double {
        let started = Date()
        let resultFolder = folder.appendingPathComponent("result")
        let report = try Data(contentsOf: resultFolder.appendingPathComponent("report.json"))
        let names = try FileManager.default.contentsOfDirectory(atPath: resultFolder.path)
            .filter { $0.hasPrefix("synthetic_") && $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)) }
            .sorted { (Int($0.dropFirst(10)) ?? 0, $0) < (Int($1.dropFirst(10)) ?? 0, $1) }
        let url = folder.appendingPathComponent(package.rawValue)
        switch package {
        case .csvZip:
            let files = try names.map { ($0 + ".csv", try Data(contentsOf: resultFolder.appendingPathComponent($0 + ".csv"))) }
            try AtomicFile.write(to: url) { temporary in try zipFiles(files + [("report.json", report)], to: temporary) }
        case .xlsxZip:
            // One workbook per series, built on `threads` threads (each series its own slot), then zipped in order.
            var workbooks = [Data?](repeating: nil, count: names.count)
            var failures = [Error?](repeating: nil, count: names.count)
            let workers = max(1, min(threads, names.count))
            workbooks.withUnsafeMutableBufferPointer { built in
                failures.withUnsafeMutableBufferPointer { failed in
                    let builtBase = built.baseAddress, failedBase = failed.baseAddress
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var index = worker
                        while index < names.count {
                            do {
                                let bars = try OHLCVCSV.load(resultFolder.appendingPathComponent(names[index] + ".csv")).series
                                builtBase?[index] = try workbook(bars, name: names[index]).data()
                            } catch { failedBase?[index] = error }
                            index += workers
                        }
                    }
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            let files = zip(names, workbooks).map { ($0 + ".xlsx", $1 ?? Data()) }
            try AtomicFile.write(to: url) { temporary in
                try zipFiles(files, to: temporary, compression: .none, then: [("report.json", report)])
            }
        }
        return Date().timeIntervalSince(started)
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
