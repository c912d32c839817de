// End-to-end: `marketgpt quickstart` with the tiny config in a temporary folder; every artefact exists and parses.
import Foundation
import XCTest
@testable import MarketCLI
import MarketData
import MarketTraining
import MarketTestSupport
@testable import MarketPipeline

final class QuickstartCommandTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quickstart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Checks that `url` exists and parses by its kind: JSON, CSV (header + rows of equal width), YAML universe,
    /// safetensors (header length + JSON header), or a folder (checked file by file).
    private func assertParses(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), "\(url.path) missing", file: file, line: line)
        if isDirectory.boolValue {
            let entries = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            XCTAssertFalse(entries.isEmpty, "\(url.path) is empty", file: file, line: line)
            for entry in entries where !entry.lastPathComponent.hasPrefix(".") { try assertParses(entry, file: file, line: line) }
            return
        }
        let data = try Data(contentsOf: url)
        switch url.pathExtension {
        case "json":
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), url.path, file: file, line: line)
        case "jsonl":
            for row in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(row.utf8)), url.path, file: file, line: line)
            }
        case "csv":
            let rows = String(decoding: data, as: UTF8.self).split(separator: "\n")
            // A header and rows; trades.csv may hold only its header (no trade in a short backtest).
            XCTAssertGreaterThan(rows.count, url.lastPathComponent == "trades.csv" ? 0 : 1, "\(url.path): no rows", file: file, line: line)
            let width = rows[0].split(separator: ",", omittingEmptySubsequences: false).count
            for row in rows where row.split(separator: ",", omittingEmptySubsequences: false).count != width {
                XCTFail("\(url.path): row of another width: \(row)", file: file, line: line)
                break
            }
        case "yaml":
            XCTAssertNoThrow(try Universe.parse(yaml: String(decoding: data, as: UTF8.self), file: url.path), file: file, line: line)
        case "safetensors":
            XCTAssertGreaterThan(data.count, 8, file: file, line: line)
            let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))), file: file, line: line)
        default:
            XCTAssertFalse(data.isEmpty, "\(url.path) is empty", file: file, line: line)
        }
    }

    func testQuickstartProducesEveryArtefactOfTheStagesItRuns() throws {
        let directory = try temporaryDirectory()
        let tinyConfig = DemoDataCommandTests.packageRoot.appendingPathComponent("configs/tiny.yaml").path
        // Tiny and short: 6 pre-training steps, 2 steps per walk-forward window, 4 MC samples, 3 backtest dates.
        let quick = ["quickstart", "--config", tinyConfig, "--seed", "5", "--steps", "6", "--max-steps-per-window", "2",
                     "--samples", "4", "--history-days", "3"]
        let result = try CLIRunner.run(quick, in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("[1/8] demo data"), "progress goes to stderr: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("T=32 F=7 C=32 layers=2"), "the tiny config was read: \(result.stderr)")
        XCTAssertTrue(result.stdout.contains("runs/quickstart/summary.json"), result.stdout)

        let summaryURL = directory.appendingPathComponent("runs/quickstart/summary.json")
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        let stages = try XCTUnwrap(summary["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.map { $0["name"] as? String },
                       ["demo_data", "universe", "pretrain", "finetune", "evaluate", "signals", "backtest"])
        XCTAssertEqual(stages[0]["status"] as? String, "done")
        XCTAssertEqual(stages[1]["status"] as? String, "done")
        // The loader sees exactly the designed defects of the demo data.
        let coverage = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/quickstart/coverage.json"))) as! [String: Any]
        let rows = Dictionary(uniqueKeysWithValues: (coverage["assets"] as! [[String: Any]]).map { ($0["ticker"] as! String, $0) })
        XCTAssertEqual(rows.count, 30)
        XCTAssertEqual(rows["MSFT"]?["gaps"] as? Int, 4)
        XCTAssertEqual(rows["SAP.DE"]?["gaps"] as? Int, 10)
        XCTAssertEqual(rows["ETH-USD"]?["gaps"] as? Int, 2)
        XCTAssertGreaterThan(rows["SOL-USD"]?["shortfall_days"] as? Int ?? 0, 1000)
        XCTAssertEqual(rows["AAPL"]?["gaps"] as? Int, 0)
        // Gap filling ran for real: every defect was filled with flagged synthetic bars.
        for ticker in ["MSFT", "SAP.DE", "ETH-USD", "SOL-USD", "VALE3.SA"] {
            XCTAssertEqual(rows[ticker]?["status"] as? String, "filled", ticker)
        }
        XCTAssertEqual(rows["MSFT"]?["filled_bars"] as? Int, 4)
        XCTAssertEqual(rows["VALE3.SA"]?["rows"] as? Int, 0)
        XCTAssertEqual(rows["AAPL"]?["status"] as? String, "ok")
        let figures = Dictionary(uniqueKeysWithValues: stages.map { ($0["name"] as! String, $0["figures"] as? [String: String] ?? [:]) })
        XCTAssertEqual(figures["pretrain"]?["steps"], "6")
        for key in ["finetuned_nll", "pretrained_nll", "garch_nll", "ewma_nll", "rw_nll", "finetuned_coverage90"] {
            XCTAssertNotNil(Double(figures["evaluate"]?[key] ?? ""), "evaluation figure \(key)")
        }
        XCTAssertEqual(figures["signals"]?["assets"], "30")
        XCTAssertEqual(figures["signals"]?["date"], "2025-06-30")
        XCTAssertNotNil(Int(figures["backtest"]?["num_trades"] ?? ""))
        XCTAssertTrue(figures["backtest"]?["period"]?.hasSuffix("(3 dates)") ?? false)
        for stage in stages {
            let status = try XCTUnwrap(stage["status"] as? String)
            let artefacts = try XCTUnwrap(stage["artefacts"] as? [String: String])
            if status == "unavailable" {
                // Nothing faked: an unavailable stage names its reason and claims no artefacts.
                XCTAssertFalse((stage["note"] as? String ?? "").isEmpty)
                XCTAssertTrue(artefacts.isEmpty, "\(stage["name"]!) claims artefacts while unavailable")
                XCTAssertTrue(result.stderr.contains("not yet available"))
            } else {
                XCTAssertFalse(artefacts.isEmpty)
                for path in artefacts.values { try assertParses(directory.appendingPathComponent(path)) }
            }
        }
        XCTAssertEqual(summary["complete"] as? Bool, true, "every stage ran in full")
        // Everything lives under runs/quickstart and checkpoints/quickstart.
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertTrue(Set(top).isSubset(of: ["runs", "checkpoints"]), "\(top)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("runs").path), ["quickstart"])

    }

    func testDemoDataStageReusesExistingData() throws {
        let directory = try temporaryDirectory()
        let settings = QuickstartPipeline.Settings(workingDirectory: directory, universePath: nil, dataPath: nil,
                                                   configPath: "unused.yaml", run: "reuse", seed: 1, category: "us_stocks",
                                                   steps: nil, oosYears: 1, maxStepsPerWindow: nil, samples: 1, historyDays: nil)
        let first = try QuickstartPipeline(settings: settings, report: { _ in }).demoData()
        XCTAssertEqual(first.status, .done)
        let manifest = directory.appendingPathComponent("runs/reuse/data/demo-manifest.json")
        let written = try Data(contentsOf: manifest)
        let second = try QuickstartPipeline(settings: settings, report: { _ in }).demoData()
        XCTAssertEqual(second.status, .reused)
        XCTAssertEqual(try Data(contentsOf: manifest), written)
        XCTAssertTrue(QuickstartPipeline.holdsData(directory.appendingPathComponent("runs/reuse/data")))
        XCTAssertFalse(QuickstartPipeline.holdsData(directory.appendingPathComponent("runs/reuse/nothing")))
    }

    func testQuickstartFailsWithOneLineOnAnUnreadableUniverse() throws {
        let directory = try temporaryDirectory()
        let tinyConfig = DemoDataCommandTests.packageRoot.appendingPathComponent("configs/tiny.yaml").path
        let result = try CLIRunner.run(["quickstart", "--config", tinyConfig, "--universe", "no-such-universe.yaml"], in: directory)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no-such-universe.yaml: cannot read the universe file"), result.stderr)
    }

    func testQuickstartRejectsABadConfigBeforeWritingAnything() throws {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("bad.yaml")
        try "model:\n  width: 32\n  widht: 3\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["quickstart", "--config", config.path], in: directory)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("bad.yaml line 3: model.widht: unknown key"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs").path))
        let missing = try CLIRunner.run(["quickstart"], in: directory)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("configs/quickstart.yaml: config file not found"), missing.stderr)
    }

    func testShippedQuickstartConfigIsValid() throws {
        let url = DemoDataCommandTests.packageRoot.appendingPathComponent("configs/quickstart.yaml")
        let config = try TrainingRunConfig.load(url)
        XCTAssertNoThrow(try config.validate())
        XCTAssertEqual(config.training.universe, "universes/demo.yaml")
    }
}
