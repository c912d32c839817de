// `marketgpt bench` suite for MarketOps (issue 16's measures): fetch of a 615-asset universe against a local
// fixture server, the drift gate on the real sample, and registry writes under two concurrent writer processes.
import Foundation
import MarketData
import MarketOps
import MarketPipeline
import MarketSupport

extension BenchSuite {
    /// - `fetch_615_s`, `fetch_615_requests_per_s`: `universes/global.yaml` (615 assets), each file holding
    ///   2026-11-02…2026-11-25; a `FixtureServer` on 127.0.0.1 answers every ticker with Yahoo's chart JSON of the
    ///   overlap plus one new day; `PriceFetcher` at concurrency 8 without a rate limit (the default
    ///   `rate_per_second: 5` would make it ≈ 123 s by design), every asset must end `updated`.
    /// - `drift_real213_s`: the drift gate on the 213-asset real sample as `marketgpt drift` runs it for its last
    ///   date, window 60 — open the universe (CSV reads), load as of the date, the KS/BH gate — against a reference
    ///   fitted on the data up to one year before (what a checkpoint stores); `drift_real213_gate_s` is the gate
    ///   alone, `drift_real213_reference_s` the reference fit (training-time work). Skipped without the sample.
    /// - `registry_two_writers_tx_per_s`: two `marketgpt runs write-load` processes at once on one new registry
    ///   (WAL), 200 runs each (start + finish + archive = 3 write transactions per run): all transactions / wall.
    static let ops = BenchSuite(name: "ops") {
        fetchFigures() + (try driftFigures()) + (try registryFigures())
    }

    /// The 615-asset fetch against the local fixture server (one new day each).
    static func fetchFigures() -> [BenchFigure] {
        guard let root = packageRoot(containing: "universes/global.yaml"),
              let universe = try? Universe.load(root.appendingPathComponent("universes/global.yaml")) else {
            FileHandle.standardError.write(Data("bench ops: universes/global.yaml not found from here; fetch skipped\n".utf8))
            return []
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-fetch-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let today = CivilDate.parseISO("2026-11-26")!
        let days = (0..<24).map { CivilDate.isoString(CivilDate.parseISO("2026-11-02")! + DayNumber($0)) }
        let bars = days.enumerated().map { k, day in
            ProviderFixtures.Bar(day, 100 + Double(k), 101 + Double(k), 99 + Double(k), 100.5 + Double(k))
        }
        var csv = "Date,Open,High,Low,Close,Volume\n"
        for b in bars {
            csv += "\(b.date),\(BarMerge.format(b.open!)),\(BarMerge.format(b.high!)),\(BarMerge.format(b.low!)),\(BarMerge.format(b.close!)),1000\n"
        }
        let targets = FetchTarget.targets(of: universe, dataDirectory: folder.appendingPathComponent("data"), from: nil, today: today)
        do {
            for target in targets {
                try FileManager.default.createDirectory(at: target.file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try csv.write(to: target.file, atomically: true, encoding: .utf8)
            }
            let body = ProviderFixtures.yahoo("X", Array(bars.suffix(11)) + [.init("2026-11-26", 124, 125, 123, 124.5)])
            let server = try FixtureServer { _ in .text(body) }
            defer { server.shutdown() }
            var settings = FetchSettings()
            settings.baseURL = server.baseURL
            settings.concurrency = 8
            settings.ratePerSecond = 10_000
            let fetcher = PriceFetcher(settings: settings)
            let report = try AsyncBridge.wait {
                let report = await fetcher.run(targets, today: today)
                await fetcher.shutdown()
                return report
            }
            guard report.counts["updated"] == targets.count else {
                throw DataCommandFailure("bench ops: fetch updated \(report.counts["updated"] ?? 0) of \(targets.count) assets:\n" + report.table())
            }
            return [
                BenchFigure(name: "fetch_615_s", value: report.seconds, unit: "s", target: "615 assets, one new day each, concurrency 8, local server"),
                BenchFigure(name: "fetch_615_requests_per_s", value: report.requestsPerSecond, unit: "req/s", target: "(\(report.requests) requests)"),
            ]
        } catch {
            FileHandle.standardError.write(Data("bench ops: fetch failed: \(error)\n".utf8))
            return []
        }
    }

    /// The drift gate on the real sample for its last date.
    static func driftFigures() throws -> [BenchFigure] {
        guard let folder = realDataFolder() else {
            FileHandle.standardError.write(Data("bench ops: real sample not found (MARKETGPT_REAL_DATA); drift skipped\n".utf8))
            return []
        }
        let universeURL = folder.appendingPathComponent("universe.yaml")
        let probe = try UniverseSession.open(universe: universeURL, data: folder)
        guard let last = probe.lastDataDay else { return [] }
        let referenceStart = Date()
        let reference = DriftCheck.reference(of: probe, before: last - 364)
        let referenceSeconds = Date().timeIntervalSince(referenceStart)
        let started = Date()
        let session = try UniverseSession.open(universe: universeURL, data: folder, readUpTo: last)
        let report = DriftGate.run(reference: reference, loaded: session.loaded(asOf: last), date: last, options: DriftOptions())
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data("bench ops: drift \(CivilDate.isoString(last)): \(report.tests.count) tests, \(report.drifted.count) drifted, \(probe.definition.assetCount) assets\n".utf8))
        return [
            BenchFigure(name: "drift_real213_s", value: seconds, unit: "s", target: "read the sample + KS/BH gate, window 60"),
            BenchFigure(name: "drift_real213_gate_s", value: report.seconds, unit: "s", target: "the gate alone"),
            BenchFigure(name: "drift_real213_reference_s", value: referenceSeconds, unit: "s", target: "reference fit (at training time)"),
        ]
    }

    /// Two `runs write-load` processes at once on one new registry.
    static func registryFigures() throws -> [BenchFigure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-registry-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = folder.appendingPathComponent("registry.sqlite").path
        _ = try RunRegistry(url: URL(fileURLWithPath: registry))          // created before the writers race
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let writes = 200
        let started = Date()
        let writers = try (0..<2).map { _ -> (Process, Pipe) in
            let process = Process()
            process.executableURL = me
            process.arguments = ["runs", "write-load", "--registry", registry, "--writes", String(writes)]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            return (process, out)
        }
        var transactions = 0
        for (process, out) in writers {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let count = object["transactions"] as? Int else {
                throw DataCommandFailure("bench ops: runs write-load exited with \(process.terminationStatus): \(String(decoding: data, as: UTF8.self))")
            }
            transactions += count
        }
        let seconds = Date().timeIntervalSince(started)
        let rows = try RunRegistry(url: URL(fileURLWithPath: registry)).runs(status: .finished, includeArchived: true, limit: 10 * writes).count
        guard rows == 2 * writes else { throw DataCommandFailure("bench ops: registry holds \(rows) of \(2 * writes) runs") }
        return [
            BenchFigure(name: "registry_two_writers_tx_per_s", value: Double(transactions) / seconds, unit: "tx/s",
                        target: "2 processes × \(writes) runs × 3 write transactions, WAL, none lost"),
        ]
    }

    /// The nearest folder at or above the working directory holding `relative`.
    static func packageRoot(containing relative: String) -> URL? {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while directory.pathComponents.count > 1 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(relative).path) { return directory }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
