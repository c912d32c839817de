// End-to-end `marketgpt synth --universe U --data D --category K`: correlated scenarios per asset, stress draws, report, errors.
import Foundation
import XCTest
import MarketTestSupport

final class SynthUniverseCommandTests: XCTestCase {
    func testCategoryScenariosStressAndErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("synth-universe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: directory.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: directory)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        let common = ["synth", "--universe", "demo.yaml", "--data", "data", "--category", "us_stocks", "--min-fidelity", "0", "--seed", "3"]
        let run = try CLIRunner.run(common + ["--count", "2", "--out", "joint"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("median pairwise correlation real"), run.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("joint/report.json"))) as? [String: Any])
        let tickers = try XCTUnwrap(report["assets"] as? [String])
        XCTAssertGreaterThanOrEqual(tickers.count, 2)
        let scenarios = try XCTUnwrap(report["scenarios"] as? [[String: Any]])
        XCTAssertEqual(scenarios.count, 2)
        for scenario in scenarios {
            XCTAssertNotNil(scenario["correlation_error"] as? Double)
            XCTAssertEqual((scenario["fidelity"] as? [String: Double])?.count, tickers.count)
        }
        for ticker in tickers {
            let csv = try String(contentsOf: directory.appendingPathComponent("joint/scenario_1/\(ticker).csv"), encoding: .utf8)
            XCTAssertTrue(csv.hasPrefix("Date,Open,High,Low,Close,Volume\n"))
        }
        // Same seed, same bytes.
        let again = try CLIRunner.run(common + ["--count", "2", "--out", "again"], in: directory)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("again/scenario_0/\(tickers[0]).csv")),
                       try Data(contentsOf: directory.appendingPathComponent("joint/scenario_0/\(tickers[0]).csv")))
        let stress = try CLIRunner.run(common + ["--count", "1", "--stress", "--out", "stress"], in: directory)
        XCTAssertEqual(stress.status, 0, stress.stderr)
        XCTAssertTrue(stress.stdout.contains("stress scenario"), stress.stdout)

        let bad = try CLIRunner.run(["synth", "--universe", "demo.yaml", "--data", "data", "--category", "nope", "--out", "x"], in: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'nope' is not a category"), bad.stderr)
        let partial = try CLIRunner.run(["synth", "--universe", "demo.yaml", "--category", "us_stocks", "--out", "x"], in: directory)
        XCTAssertNotEqual(partial.status, 0)
        XCTAssertTrue(partial.stderr.contains("go together"), partial.stderr)
    }
}
