// End-to-end `runs`, `drift`, `fetch` and `nightly`: registration by real commands, promotion, exit codes, the lock.
import Foundation
import XCTest
import MarketTestSupport

final class OpsCommandTests: XCTestCase {
    /// Demo data (seed 4) and a 2-step tiny pre-training (run `t`), registered in its `runs/registry.sqlite`:
    /// the workspace of the signals tests.
    static var workspace: Result<URL, Error> { SignalsCommandTests.workspace }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testPretrainAndSignalsRegisterThenPromoteCompareArchive() throws {
        let dir = try Self.workspace.get()
        let signals = try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/t",
                                         "--samples", "2", "--date", "2025-06-04", "--out", "s"], in: dir)
        XCTAssertEqual(signals.status, 0, signals.stderr)
        let list = try CLIRunner.run(["runs", "list", "--json"], in: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
        let runs = try XCTUnwrap(try json(list.stdout)["runs"] as? [[String: Any]])
        let pretrain = try XCTUnwrap(runs.first { $0["kind"] as? String == "pretrain" })
        XCTAssertEqual(pretrain["status"] as? String, "finished")
        XCTAssertEqual(pretrain["seed"] as? Int, 3)
        XCTAssertEqual(pretrain["checkpoint_path"] as? String, "checkpoints/t/pretrained.safetensors")
        XCTAssertEqual((pretrain["checkpoint_hash"] as? String)?.count, 16)
        XCTAssertEqual((pretrain["config_hash"] as? String)?.count, 16)
        XCTAssertEqual((pretrain["metrics"] as? [String: Double])?["step"], 2)
        let signalRun = try XCTUnwrap(runs.first { $0["kind"] as? String == "signals" })
        XCTAssertEqual((signalRun["artefacts"] as? [String: String])?["signals"], "s/2025-06-04.csv")
        let pretrainID = try XCTUnwrap(pretrain["id"] as? String), signalsID = try XCTUnwrap(signalRun["id"] as? String)

        let promote = try CLIRunner.run(["runs", "promote", pretrainID, "--category", "us_stocks", "--stage", "production"], in: dir)
        XCTAssertEqual(promote.status, 0, promote.stderr)
        XCTAssertTrue(promote.stdout.contains("production model of us_stocks"), promote.stdout)
        let refused = try CLIRunner.run(["runs", "promote", signalsID, "--category", "us_stocks"], in: dir)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("registry.sqlite"), refused.stderr)
        let show = try CLIRunner.run(["runs", "show", pretrainID, "--json"], in: dir)
        XCTAssertEqual(try json(show.stdout)["id"] as? String, pretrainID)
        let compare = try CLIRunner.run(["runs", "compare", pretrainID, signalsID], in: dir)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        XCTAssertTrue(compare.stdout.contains("checkpoint_hash") && compare.stdout.contains("signals_hold"), compare.stdout)
        let archive = try CLIRunner.run(["runs", "archive", signalsID], in: dir)
        XCTAssertEqual(archive.status, 0, archive.stderr)
        let after = try json(try CLIRunner.run(["runs", "list", "--json"], in: dir).stdout)
        XCTAssertFalse((after["runs"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == signalsID })
        XCTAssertEqual((after["promotions"] as? [[String: Any]])?.first?["run_id"] as? String, pretrainID)
    }

    func testCorruptRegistryNeverBreaksSignalsOrBacktest() throws {
        let dir = try Self.workspace.get()
        let copy = dir.appendingPathComponent("corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("runs"), withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 8192).write(to: copy.appendingPathComponent("runs/registry.sqlite"))
        for name in ["data", "checkpoints", "demo.yaml"] {
            try FileManager.default.createSymbolicLink(at: copy.appendingPathComponent(name), withDestinationURL: dir.appendingPathComponent(name))
        }
        let signals = try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/t",
                                         "--samples", "2", "--date", "2025-06-04", "--out", "s"], in: copy)
        XCTAssertEqual(signals.status, 0, signals.stderr)
        XCTAssertTrue(signals.stderr.contains("runs/registry.sqlite: not a valid SQLite database"), signals.stderr)
        let backtest = try CLIRunner.run(["backtest", "--signals", "s", "--data", "data", "--out", "bt"], in: copy)
        XCTAssertEqual(backtest.status, 0, backtest.stderr)
        let list = try CLIRunner.run(["runs", "list"], in: copy)
        XCTAssertEqual(list.status, 1)
        XCTAssertTrue(list.stderr.contains("runs/registry.sqlite: not a valid SQLite database"), list.stderr)
    }

    /// Two `marketgpt` processes write one registry at the same time (WAL, busy time-out): nothing is lost.
    /// `MARKETGPT_MEASURE=1` writes 500 runs per process and prints the figure of the README.
    func testTwoProcessesWriteTheRegistryAtOnceAndLoseNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("registry-2p-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let measure = ProcessInfo.processInfo.environment["MARKETGPT_MEASURE"] != nil
        let writes = measure ? 500 : 60
        XCTAssertEqual(try CLIRunner.run(["runs", "list", "--registry", "r.sqlite"], in: dir).status, 0)
        var results = [CLIResult?](repeating: nil, count: 2)
        let lock = NSLock()
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            let result = try? CLIRunner.run(["runs", "write-load", "--writes", String(writes), "--registry", "r.sqlite"], in: dir)
            lock.lock(); results[k] = result; lock.unlock()
        }
        let seconds = Date().timeIntervalSince(started)
        var pids = Set<Int>()
        for result in results {
            let result = try XCTUnwrap(result)
            XCTAssertEqual(result.status, 0, result.stderr)
            let figure = try json(result.stdout)
            XCTAssertEqual(figure["runs"] as? Int, writes)
            pids.insert(figure["pid"] as? Int ?? 0)
        }
        XCTAssertEqual(pids.count, 2, "two processes")
        let list = try CLIRunner.run(["runs", "list", "--json", "--all", "--kind", "backtest", "--limit", "100000", "--registry", "r.sqlite"], in: dir)
        let runs = try XCTUnwrap(try json(list.stdout)["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 2 * writes)
        XCTAssertTrue(runs.allSatisfy { $0["status"] as? String == "finished" && $0["archived"] as? Bool == true })
        XCTAssertEqual(Set(runs.compactMap { $0["pid"] as? Int }), pids)
        if measure {
            print("registry: 2 processes × \(writes) runs (3 write transactions each) in \(String(format: "%.2f", seconds)) s wall = "
                  + "\(String(format: "%.0f", Double(6 * writes) / seconds)) write transactions/s (process start included); per process: "
                  + results.map { (try? json($0!.stdout))?["transactions_per_s"].map { "\($0)/s" } ?? "?" }.joined(separator: ", "))
        }
    }

    func testDriftTableJSONAndSVG() throws {
        let dir = try Self.workspace.get()
        let drift = try CLIRunner.run(["drift", "--checkpoint", "checkpoints/t/pretrained.safetensors", "--universe", "demo.yaml",
                                       "--data", "data", "--date", "2025-06-04", "--window", "60", "--json", "--out", "d"], in: dir)
        XCTAssertEqual(drift.status, 0, drift.stderr)
        let report = try json(drift.stdout)
        XCTAssertEqual(report["reference"] as? String, "checkpoint")
        let tests = try XCTUnwrap(report["tests"] as? [[String: Any]])
        XCTAssertEqual(tests.count, 36)   // 6 categories × 6 features
        XCTAssertTrue(tests.allSatisfy { ($0["p_value"] as? Double).map { (0...1).contains($0) } ?? false })
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("d/drift_2025-06-04.svg").path))
        let table = try CLIRunner.run(["drift", "--checkpoint", "checkpoints/t/pretrained.safetensors", "--universe", "demo.yaml",
                                       "--data", "data", "--date", "2025-06-04", "--out", "d"], in: dir)
        XCTAssertTrue(table.stdout.contains("us_stocks") && table.stdout.contains("drift:"), table.stdout)
        let bad = try CLIRunner.run(["drift", "--checkpoint", "nope.safetensors", "--universe", "demo.yaml", "--data", "data", "--date", "2025-06-04"], in: dir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("nope.safetensors"), bad.stderr)
    }

    func testFetchWithNoProviderReachableMarksEveryAssetFailedAndKeepsFiles() throws {
        let dir = try Self.workspace.get()
        let file = dir.appendingPathComponent("data/us_stocks/AAPL.csv")
        let before = try Data(contentsOf: file)
        let fetch = try CLIRunner.run(["fetch", "--universe", "demo.yaml", "--data", "data", "--base-url", "http://127.0.0.1:9",
                                       "--retries", "0", "--rate", "1000", "--timeout", "0.3", "--to", "2025-07-04", "--json"], in: dir)
        XCTAssertEqual(fetch.status, 3, fetch.stderr)
        let report = try json(fetch.stdout)
        XCTAssertEqual((report["counts"] as? [String: Int])?["failed"], 30)
        XCTAssertEqual(report["ok"] as? Bool, false)
        XCTAssertEqual(try Data(contentsOf: file), before)
    }

    func testNightlyRunsStepsWritesOneSummaryAndHonoursTheLock() throws {
        let dir = try Self.workspace.get()
        try """
            universe: demo.yaml
            checkpoints: checkpoints/t
            samples: 2
            out: nightly-signals

            """.write(to: dir.appendingPathComponent("signals.yaml"), atomically: true, encoding: .utf8)
        let config = { (extra: String) in """
            universe: demo.yaml
            data: data
            signals_config: signals.yaml
            skip_fetch: true
            coverage: {max_stale_share: 1.0}
            drift: {mode: warn, window: 60}
            \(extra)
            """ }
        try config("").write(to: dir.appendingPathComponent("nightly.yaml"), atomically: true, encoding: .utf8)
        let nightly = try CLIRunner.run(["nightly", "--config", "nightly.yaml", "--date", "2025-06-04"], in: dir)
        XCTAssertEqual(nightly.status, 0, nightly.stderr)
        let summary = try json(nightly.stdout)
        XCTAssertEqual(summary["exit_code"] as? Int, 0)
        let steps = try XCTUnwrap(summary["steps"] as? [String: [String: Any]])
        XCTAssertEqual(steps["fetch"]?["status"] as? String, "skipped")
        XCTAssertEqual(steps["signals"]?["status"] as? String, "ok")
        XCTAssertEqual(steps["register"]?["status"] as? String, "ok")
        XCTAssertNotNil(steps["drift"]?["values"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("nightly-signals/2025-06-04.csv").path))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("runs/nightly/2025-06-04.json"), encoding: .utf8),
                       nightly.stdout)

        // Drift gate in stop mode with a level of (almost) 1: every test drifts → exit 4, no signals.
        try config("drift: {mode: stop, window: 60, level: 0.999999}\nsummaries: runs/nightly-stop").replacingOccurrences(of: "drift: {mode: warn, window: 60}\n", with: "")
            .write(to: dir.appendingPathComponent("nightly-stop.yaml"), atomically: true, encoding: .utf8)
        let stopped = try CLIRunner.run(["nightly", "--config", "nightly-stop.yaml", "--date", "2025-06-03"], in: dir)
        XCTAssertEqual(stopped.status, 4, stopped.stdout + stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("nightly-signals/2025-06-03.csv").path))

        // Fetch from nowhere: every asset fails → the coverage check stops the run (exit 5).
        try config("fetch: {base_url: 'http://127.0.0.1:9', retries: 0, rate_per_second: 1000, timeout_s: 0.3, concurrency: 8}").replacingOccurrences(of: "skip_fetch: true\n", with: "")
            .write(to: dir.appendingPathComponent("nightly-fetch.yaml"), atomically: true, encoding: .utf8)
        let uncovered = try CLIRunner.run(["nightly", "--config", "nightly-fetch.yaml", "--date", "2025-07-15"], in: dir)   // after the data's end
        XCTAssertEqual(uncovered.status, 5, uncovered.stdout + uncovered.stderr)
        XCTAssertEqual((try json(uncovered.stdout)["steps"] as? [String: [String: Any]])?["coverage"]?["status"] as? String, "failed")

        // Another process (this test, alive) holds the lock → exit 75 at once, nothing done.
        let lockFile = dir.appendingPathComponent("runs/nightly/.lock")
        try "\(getpid()) \(hostName()) test-holder\n".write(to: lockFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: lockFile) }
        let locked = try CLIRunner.run(["nightly", "--config", "nightly.yaml", "--date", "2025-06-04"], in: dir)
        XCTAssertEqual(locked.status, 75, locked.stderr)
        XCTAssertTrue(locked.stderr.contains("in use by test-holder"), locked.stderr)
    }
}

/// This host's name as `gethostname` gives it (the run lock's format).
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    return gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "unknown-host"
}
