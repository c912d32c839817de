// End-to-end under `mpirun`: `finetune --category all` spread over 2 ranks (3 categories: 2 + 1) writes the same files
// as the sequential run. Skipped where `mpirun` is not installed.
import Foundation
import XCTest
import MarketTestSupport

final class DistributedFinetuneTests: XCTestCase {
    /// Two folders with the same demo data (a 3-category, 2-asset-each cut of the demo universe) and pretrained checkpoint;
    /// one fine-tunes alone, the other on 2 ranks; every checkpoint, CSV and plot is byte-identical and report.json
    /// equal but for its `seconds` and the folder in the checkpoint path.
    func testCategoriesOverRanksEqualTheSequentialRun() throws {
        let mpirun = try DistributedPretrainTests.mpirun()
        // As in FinetuneCommandTests: pre-training stops at 60 % of each category's dates.
        let config = PretrainCommandTests.config.replacingOccurrences(of: "seed: 3}", with: "seed: 3, split: {train: 0.6, validation: 0.2, test: 0.2}}")
        let sequential = try temporaryDirectory(self, prefix: "finetune-sequential")
        try config.write(to: sequential.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        try Self.smallUniverse().write(to: sequential.appendingPathComponent("demo.yaml"), atomically: true, encoding: .utf8)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: sequential)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        var environment = ProcessInfo.processInfo.environment
        environment["MARKETGPT_THREADS"] = "1"
        environment["MARKETGPT_REGISTRY"] = "off"
        let common = ["--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "t"]
        let pretrain = try ProcessOutput.run(CLIRunner.binary, arguments: ["pretrain"] + common + ["--steps", "5"], in: sequential, environment: environment)
        XCTAssertEqual(pretrain.status, 0, String(decoding: pretrain.stderr, as: UTF8.self))
        let spread = try temporaryDirectory(self, prefix: "mpi-finetune")
        for item in ["tiny.yaml", "demo.yaml", "data", "checkpoints", "runs"] {
            try FileManager.default.copyItem(at: sequential.appendingPathComponent(item), to: spread.appendingPathComponent(item))
        }
        let finetune = ["finetune"] + common + ["--category", "all", "--oos-years", "1", "--walk-forward-years", "1", "--epochs", "1",
                                                "--max-steps-per-window", "2"]
        let alone = try ProcessOutput.run(CLIRunner.binary, arguments: finetune, in: sequential, environment: environment)
        XCTAssertEqual(alone.status, 0, String(decoding: alone.stderr, as: UTF8.self))
        let ranks = try ProcessOutput.run(mpirun, arguments: ["--allow-run-as-root", "--oversubscribe", "-np", "2", CLIRunner.binary.path] + finetune,
                                          in: spread, environment: environment)
        let stdout = String(decoding: ranks.stdout, as: UTF8.self)
        XCTAssertEqual(ranks.status, 0, String(decoding: ranks.stderr, as: UTF8.self))
        XCTAssertEqual(stdout.components(separatedBy: "finetune: run t: 3 categories").count, 2, "one summary, from rank 0: \(stdout)")

        var compared = 0
        for folder in ["checkpoints/t", "runs/t"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: sequential.appendingPathComponent(folder).path).sorted()
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spread.appendingPathComponent(folder).path).sorted(), names, folder)
            for name in names where name != "report.json" && !name.hasPrefix(".") {
                let a = try Data(contentsOf: sequential.appendingPathComponent("\(folder)/\(name)"))
                let b = try Data(contentsOf: spread.appendingPathComponent("\(folder)/\(name)"))
                XCTAssertTrue(a == b, "\(folder)/\(name) differs between the sequential run and 2 ranks")
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 3 * 6, "3 categories × (2 checkpoint files + CSV + 3 plots)")
        func report(_ folder: URL) throws -> String {
            let text = try String(contentsOf: folder.appendingPathComponent("runs/t/report.json"), encoding: .utf8)
            return text.replacingOccurrences(of: #""seconds" : [0-9.e+-]+"#, with: "\"seconds\" : 0", options: .regularExpression)
                .split(separator: "\n").filter { !$0.contains("\"checkpoint\" : ") }.joined(separator: "\n")
        }
        XCTAssertEqual(try report(spread), try report(sequential))
    }

    /// The demo universe cut to us_stocks, crypto and forex with their first two assets each (batch weights 0.5/0.25/0.25).
    static func smallUniverse() throws -> String {
        let text = try String(contentsOf: DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml"), encoding: .utf8)
        let weights = ["us_stocks": "0.50", "crypto": "0.25", "forex": "0.25"]
        var lines: [String] = [], category: String?, assets = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  - name: ") { category = String(line.dropFirst("  - name: ".count)); assets = 0 }
            guard let name = category else { lines.append(line); continue }
            guard let weight = weights[name] else { continue }
            if line.hasPrefix("      - {ticker") { assets += 1; if assets > 2 { continue } }
            lines.append(line.hasPrefix("    batch_weight:") ? "    batch_weight: \(weight)" : line)
        }
        return lines.joined(separator: "\n")
    }
}
