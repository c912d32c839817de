// Bounded configs: every size checked against its documented range before allocation; YAML size, nesting and
// duplicate keys capped before (or right after) parsing — one-line errors naming file, line and key.
import Foundation
import XCTest
@testable import MarketTraining
import MarketData
import MarketSupport

final class ConfigBoundsTests: XCTestCase {
    private func error(_ yaml: String) -> String {
        do {
            _ = try StrictYAML.decode(TrainingRunConfig.self, from: yaml, file: "c.yaml")
            return "no error"
        } catch { return "\(error)" }
    }

    func testEveryNumericOptionHasARange() {
        let cases: [(String, String)] = [
            ("model: {width: 1000000}", "model.width: must be in 1...4096"),
            ("model: {layers: 100000}", "model.layers: must be in 1...64"),
            ("model: {heads: 0}", "model.heads: must be in 1...64"),
            ("model: {mlp_ratio: 100000000}", "model.mlp_ratio: must be in 1...16"),
            ("model: {context_length: 5000}", "model.context_length: must be in 1...2048"),
            ("model: {features: 8}", "model.features: is 8"),
            ("model: {horizon: 1000}", "model.horizon: must be in 1...64"),
            ("model: {width: 4096, layers: 64, heads: 64}", "above the 200000000 limit"),
            ("training: {batch_size: 1000000000}", "training.batch_size: must be in 1...65536"),
            ("training: {eval_batches: 100000000}", "training.eval_batches: must be in 1...100000"),
            ("training: {eval_batches: 50000, batch_size: 64}", "eval_batches × batch_size must be ≤ 1000000"),
            ("training: {total_steps: 1000000000}", "training.total_steps: must be in 1...100000000"),
            ("model: {width: 1024, context_length: 2048, heads: 16}\ntraining: {batch_size: 4096}", "MB of activations"),
        ]
        for (yaml, expected) in cases {
            let message = error(yaml)
            XCTAssertTrue(message.hasPrefix("c.yaml line ") && message.contains(expected), "\(yaml) → \(message)")
            XCTAssertFalse(message.contains("\n"), message)
        }
        XCTAssertEqual(error("model: {width: 64, heads: 4}\ntraining: {batch_size: 16}"), "no error")
    }

    func testYAMLNestingSizeAndDuplicateKeysAreCapped() {
        let deepFlow = "model: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        XCTAssertTrue(error(deepFlow).contains("c.yaml line 1: (top level): more than 64 nested"), error(deepFlow))
        let deepBlock = (0..<400).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        XCTAssertTrue(error(deepBlock).contains("deeper than 256 columns"), error(deepBlock))
        let duplicate = "model:\n  width: 32\n  width: 64\n"
        XCTAssertEqual(error(duplicate), "c.yaml line 3: model.width: duplicate key")
        XCTAssertEqual(error("model: {width: 32}\nmodel: {width: 64}\n"), "c.yaml line 2: model: duplicate key")
        XCTAssertTrue(error("# " + String(repeating: "x", count: 2 << 20)).contains("above the 1048576-byte limit"))
        // The file-size cap is checked before the file is read.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        FileManager.default.createFile(atPath: url.path, contents: Data(count: 3 << 20))
        XCTAssertThrowsError(try TrainingRunConfig.load(url)) { XCTAssertTrue("\($0)".contains("\(url.path): (top level): 3145728 bytes"), "\($0)") }
    }

    func testUniverseHistoryYearsIsBounded() {
        let base = "categories:\n  - {name: us, batch_weight: 1, trading_days_per_year: 252, history_years: YEARS, assets: [{ticker: A}]}\n"
        for (years, fragment) in [("2005", "a calendar year?"), ("1000000", "in (0, 100]"), ("99999999999", "in (0, 100]")] {
            XCTAssertThrowsError(try Universe.parse(yaml: base.replacingOccurrences(of: "YEARS", with: years), file: "u.yaml")) { error in
                XCTAssertTrue("\(error)".hasPrefix("u.yaml line 2: categories[0].history_years") && "\(error)".contains(fragment), "\(error)")
            }
        }
        XCTAssertNoThrow(try Universe.parse(yaml: base.replacingOccurrences(of: "YEARS", with: "20"), file: "u.yaml"))
        XCTAssertThrowsError(try Universe.parse(yaml: "name: a\nname: b\ncategories: []\n", file: "u.yaml")) {
            XCTAssertTrue("\($0)".contains("u.yaml line 2: name: duplicate key"), "\($0)")
        }
    }
}
