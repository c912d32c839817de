// A temporary folder with a tiny training config, the demo universe and its data, for end-to-end pretrain tests.
import Foundation
import XCTest
import MarketTestSupport

enum PretrainWorkspace {
    /// A new folder holding `tiny.yaml` (= `config`), `demo.yaml` and `data/` (demo-data, seed 4); removed after `test`.
    static func make(config: String, test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretrain-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try config.write(to: url.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: url.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: url)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        return url
    }

    /// `pretrain` on the workspace's config, universe and data.
    static func arguments(run: String, steps: Int) -> [String] {
        ["pretrain", "--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", run, "--steps", String(steps)]
    }

    /// The largest `step` in runs/<run>/metrics.jsonl (0 when absent).
    static func loggedStep(_ directory: URL, run: String) -> Int {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("runs/\(run)/metrics.jsonl"), encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").compactMap { line -> Int? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["step"] as? NSNumber)?.intValue
        }.max() ?? 0
    }
}
