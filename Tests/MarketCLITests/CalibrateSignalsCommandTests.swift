// End-to-end `marketgpt calibrate-signals`: the rule file, its canary, no silent overwrite, and `signals` using it (+ weights).
import Foundation
import XCTest
import MarketTestSupport

final class CalibrateSignalsCommandTests: XCTestCase {
    /// A copy of the signals tests' workspace (demo data + a 2-step tiny checkpoint) in a folder of its own, so the
    /// rule file written beside the checkpoint never reaches the other tests.
    static let workspace: Result<URL, Error> = Result {
        let source = try SignalsCommandTests.workspace.get()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("calibrate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for item in ["demo.yaml", "data", "checkpoints"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: url.appendingPathComponent(item))
        }
        return url
    }

    let checkpoint = "checkpoints/t/pretrained.safetensors"

    func calibrate(_ extra: [String], data: String = "data", in dir: URL) throws -> CLIResult {
        try CLIRunner.run(["calibrate-signals", "--checkpoint", checkpoint, "--universe", "demo.yaml", "--data", data,
                           "--samples", "2", "--seed", "5"] + extra, in: dir)
    }

    func testRuleFileCanaryAndNoSilentOverwrite() throws {
        let dir = try Self.workspace.get()
        let out = "rules/a.json"
        let first = try calibrate(["--out", out], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("configurations per category"), first.stdout)
        let bytes = try Data(contentsOf: dir.appendingPathComponent(out))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        XCTAssertEqual(json["objective"] as? String, "sharpe")
        XCTAssertEqual((json["grid"] as? [String: Any])?["size"] as? Int, 10 * 7 * 3)
        let categories = try XCTUnwrap(json["categories"] as? [String: [String: Any]])
        XCTAssertFalse(categories.isEmpty)
        let ends = Set(categories.values.compactMap { $0["validation_end"] as? String })
        XCTAssertEqual(ends.count, 1, "one split for the whole pre-trained checkpoint")
        let end = ends.first!
        for (name, c) in categories {
            for key in ["confidence_threshold", "min_return", "horizon", "validation_start", "dates", "trades", "trade_rate"] {
                XCTAssertNotNil(c[key], "\(name).\(key)")
            }
        }

        // No silent overwrite.
        let again = try calibrate(["--out", out], in: dir)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("exists; pass --force"), again.stderr)

        // Canary: every row after the validation end replaced by garbage → the same bytes.
        let poisoned = dir.appendingPathComponent("poisoned")
        try? FileManager.default.removeItem(at: poisoned)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("data"), to: poisoned)
        var replaced = 0
        for file in FileManager.default.enumerator(at: poisoned, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL })
        where file.pathExtension == "csv" {
            let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { row -> Substring in
                guard let day = row.split(separator: ",").first, day.count == 10, String(day) > end else { return row }
                replaced += 1
                return Substring("\(day),1e9,3,-7,NaN,garbage")
            }
            try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        XCTAssertGreaterThan(replaced, 100)
        let canary = try calibrate(["--out", "rules/canary.json"], data: "poisoned", in: dir)
        XCTAssertEqual(canary.status, 0, canary.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("rules/canary.json")), bytes)
    }

    func testSignalsUseTheRuleByDefaultFlagsOverrideAndWeightsAreWritten() throws {
        let dir = try Self.workspace.get()
        let fit = try calibrate(["--objective", "trade_rate", "--target-rate", "0.3", "--force"], in: dir)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(checkpoint + ".signal_rule.json").path))
        func signals(_ extra: [String]) throws -> CLIResult {
            try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/t",
                               "--samples", "2", "--seed", "5", "--date", "2025-06-04"] + extra, in: dir)
        }
        let ruled = try signals(["--out", "s1", "--weights-out", "w1", "--weights-mode", "long_short"])
        XCTAssertEqual(ruled.status, 0, ruled.stderr)
        XCTAssertTrue(ruled.stderr.contains("signals: rule") && ruled.stderr.contains("trade_rate"), ruled.stderr)
        let plain = try signals(["--out", "s2", "--ignore-signal-rule"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("signals: rule"), plain.stderr)
        // A flag overrides the file: a threshold of 1 holds everything.
        let strict = try signals(["--out", "s3", "--confidence-threshold", "1"])
        XCTAssertEqual(strict.status, 0, strict.stderr)
        let strictRows = try String(contentsOf: dir.appendingPathComponent("s3/2025-06-04.csv"), encoding: .utf8)
        XCTAssertFalse(strictRows.contains(",BUY,") || strictRows.contains(",SELL,"))
        // The weights file: header, one row per decidable asset, |w| within the caps.
        let weights = try String(contentsOf: dir.appendingPathComponent("w1/2025-06-04.csv"), encoding: .utf8)
        let lines = weights.split(separator: "\n")
        XCTAssertEqual(lines.first, "date,ticker,weight")
        XCTAssertGreaterThan(lines.count, 1)
        let values = lines.dropFirst().compactMap { Double($0.split(separator: ",").last!) }
        XCTAssertEqual(values.count, lines.count - 1)
        XCTAssertTrue(values.allSatisfy { abs($0) <= 0.10 + 1e-12 }, weights)
        XCTAssertLessThanOrEqual(values.reduce(0) { $0 + abs($1) }, 1 + 1e-9)
    }

    /// A category without bars in its validation period (europe_stocks' files removed) gets no rule: the file records
    /// why, the table says "no rule (reason)", and `signals` says the config's thresholds decide it.
    func testCategoryWithoutValidationDataIsRecordedAsNoRule() throws {
        let dir = try Self.workspace.get()
        let partial = dir.appendingPathComponent("partial")
        try? FileManager.default.removeItem(at: partial)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("data"), to: partial)
        try FileManager.default.removeItem(at: partial.appendingPathComponent("europe_stocks"))
        let fit = try calibrate(["--out", "rules/partial.json"], data: "partial", in: dir)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("europe_stocks   no rule (no real bar in its validation period "), fit.stdout)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("rules/partial.json"))) as? [String: Any])
        let categories = try XCTUnwrap(json["categories"] as? [String: Any])
        XCTAssertNil(categories["europe_stocks"])
        XCTAssertNotNil(categories["us_stocks"])
        let unfitted = try XCTUnwrap(json["unfitted"] as? [String: String])
        XCTAssertEqual(Array(unfitted.keys), ["europe_stocks"])
        XCTAssertTrue(unfitted["europe_stocks"]!.hasPrefix("no real bar in its validation period "), unfitted.description)
        // The complete data fits every category: no `unfitted` key at all (rule files of complete fits keep their bytes).
        let full = try calibrate(["--out", "rules/full.json"], in: dir)
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertFalse(try String(contentsOf: dir.appendingPathComponent("rules/full.json"), encoding: .utf8).contains("unfitted"))
    }
}
