// `marketgpt bench` suite "csv": the whole real sample (../shared/data/real) loaded and validated, in rows per second.
import Foundation
import MarketData
import MarketPipeline

extension BenchSuite {
    /// Loads every file of the real sample through `UniverseLoader` (parse, validate, sort check,
    /// calendars, gaps) three times and reports the best rate. The folder is `MARKETGPT_REAL_DATA`,
    /// or `../shared/data/real` above the working directory; without it the suite reports nothing.
    static let csv = BenchSuite(name: "csv") {
        guard let folder = BenchSuite.realDataFolder() else {
            FileHandle.standardError.write(Data("bench csv: no real data folder (set MARKETGPT_REAL_DATA); skipped\n".utf8))
            return []
        }
        let universe = try Universe.load(folder.appendingPathComponent("universe.yaml"))
        var best = Double.infinity, bestCPU = Double.infinity
        var rows = 0
        for _ in 0..<3 {
            let started = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = BenchSuite.processCPUSeconds()
            let loaded = UniverseLoader.load(universe, dataDirectory: folder, options: UniverseLoadOptions(concurrency: 2))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            rows = loaded.assets.reduce(0) { $0 + ($1.report?.rowsRead ?? 0) }
            guard loaded.assets.allSatisfy({ $0.error == nil }) else { throw DataError(file: folder.path, reason: "a file failed to load") }
            best = min(best, seconds)
            bestCPU = min(bestCPU, BenchSuite.processCPUSeconds() - cpuStarted)
        }
        return [
            BenchFigure(name: "csv_rows_per_s", value: Double(rows) / best, unit: "rows/s", target: ">= 2e6 (release, 2 cores)"),
            BenchFigure(name: "csv_real_sample_s", value: best, unit: "s", target: "<= 0.6"),
            // CPU seconds of all threads: the rate one idle core reaches (wall time suffers on a shared machine).
            BenchFigure(name: "csv_rows_per_cpu_s", value: Double(rows) / bestCPU, unit: "rows/cpu-s", target: ">= 1e6"),
        ]
    }

    /// CPU seconds used by this process so far (all threads).
    static func processCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// The real sample in `folder` read once through `UniverseSession`: the session (definition, files)
    /// and its gap-filled universe with the default fill options.
    static func realUniverse(_ folder: URL) throws -> (session: UniverseSession, filled: LoadedUniverse) {
        let session = try UniverseSession.open(universe: folder.appendingPathComponent("universe.yaml"), data: folder)
        return (session, session.filled().universe)
    }

    /// `MARKETGPT_REAL_DATA`, or the first `shared/data/real` found walking up from the working directory.
    static func realDataFolder() -> URL? {
        let manager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["MARKETGPT_REAL_DATA"] {
            return manager.fileExists(atPath: path) ? URL(fileURLWithPath: path) : nil
        }
        var directory = URL(fileURLWithPath: manager.currentDirectoryPath)
        while directory.pathComponents.count > 1 {
            for candidate in ["shared/data/real", "../shared/data/real"] {
                let url = directory.appendingPathComponent(candidate).standardizedFileURL
                if manager.fileExists(atPath: url.appendingPathComponent("universe.yaml").path) { return url }
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
