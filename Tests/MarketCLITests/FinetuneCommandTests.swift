// End-to-end: `marketgpt pretrain` (tiny) → `finetune --category K` → `evaluate`, on generated demo data.
import Foundation
import XCTest
import MarketTestSupport

final class FinetuneCommandTests: XCTestCase {
    func testFinetuneWritesCheckpointWindowCSVReportAndPlotsAndEvaluateWritesJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        // Pre-training stops at 60 % of each category's dates, so the walk-forward year before the 1-year OOS lies after train_end.
        let config = PretrainCommandTests.config.replacingOccurrences(of: "seed: 3}", with: "seed: 3, split: {train: 0.6, validation: 0.2, test: 0.2}}")
        try config.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: directory.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: directory)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        let common = ["--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "t"]
        let pretrain = try CLIRunner.run(["pretrain"] + common + ["--steps", "5"], in: directory)
        XCTAssertEqual(pretrain.status, 0, pretrain.stderr)

        let finetune = try CLIRunner.run(["finetune"] + common + ["--category", "crypto", "--oos-years", "1", "--walk-forward-years", "1",
                                                                  "--epochs", "1", "--max-steps-per-window", "2"], in: directory)
        XCTAssertEqual(finetune.status, 0, finetune.stderr)
        XCTAssertTrue(finetune.stdout.contains("finetuned") && finetune.stdout.contains("garch"), finetune.stdout)
        for file in ["checkpoints/t/model_finetuned_crypto.safetensors", "checkpoints/t/model_finetuned_crypto.state.safetensors",
                     "runs/t/walkforward_crypto.csv", "runs/t/report.json", "runs/t/coverage_crypto.svg", "runs/t/pit_crypto.svg",
                     "runs/t/nll_windows_crypto.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), file)
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("runs/t/walkforward_crypto.csv"), encoding: .utf8)
        XCTAssertTrue((3...4).contains(csv.split(separator: "\n").count), csv)   // header + two 6-month windows (+ a partial one before the OOS start)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/t/report.json"))) as? [String: Any]
        XCTAssertEqual((report?["categories"] as? [[String: Any]])?.first?["category"] as? String, "crypto")

        // The fine-tuned checkpoint inherits the pre-training's drift reference (fitted on the pre-training range,
        // not refitted on the fine-tuning windows): same metadata text, and `drift` answers the same tests from it.
        let pretrainedReference = try Self.metadata(directory.appendingPathComponent("checkpoints/t/pretrained.safetensors"))["drift_reference"]
        let finetunedReference = try Self.metadata(directory.appendingPathComponent("checkpoints/t/model_finetuned_crypto.safetensors"))["drift_reference"]
        XCTAssertNotNil(pretrainedReference)
        XCTAssertEqual(finetunedReference, pretrainedReference)
        var driftReports: [[String: Any]] = []
        for file in ["pretrained", "model_finetuned_crypto"] {
            let drift = try CLIRunner.run(["drift", "--checkpoint", "checkpoints/t/\(file).safetensors", "--universe", "demo.yaml", "--data", "data",
                                           "--date", "2025-06-04", "--json", "--out", "drift-\(file)"], in: directory)
            XCTAssertEqual(drift.status, 0, drift.stderr)
            driftReports.append(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as? [String: Any], drift.stdout))
        }
        XCTAssertEqual(driftReports[1]["reference"] as? String, "checkpoint")
        let statistics = driftReports.map { ($0["tests"] as? [[String: Any]] ?? []).map { $0["statistic"] as? Double ?? .nan } }
        XCTAssertEqual(statistics[0].count, 36)
        XCTAssertEqual(statistics[1], statistics[0])

        let evaluate = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/t/model_finetuned_crypto.safetensors"] + common, in: directory)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        XCTAssertTrue(evaluate.stdout.contains("crypto"), evaluate.stdout)
        let evaluation = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/t/evaluation_model_finetuned_crypto.json"))) as? [String: Any]
        let category = (evaluation?["categories"] as? [[String: Any]])?.first
        XCTAssertEqual(category?["start_source"] as? String ?? category?["startSource"] as? String, "finetune.oos_start")

        let bad = try CLIRunner.run(["finetune"] + common + ["--category", "nope"], in: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown category 'nope'"), bad.stderr)
    }

    /// The `__metadata__` of a safetensors file's JSON header.
    static func metadata(_ url: URL) throws -> [String: String] {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
        return header?["__metadata__"] as? [String: String] ?? [:]
    }
}
