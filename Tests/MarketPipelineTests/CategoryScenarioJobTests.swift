// CategoryScenarioJob: joint scenarios of a category from a universe session — files and report written, the
// same seed gives the same bytes, an unknown category is named.
import Foundation
import MarketData
import MarketPipeline
import MarketSupport
import MarketSynthetic
import MarketTestSupport
import XCTest

final class CategoryScenarioJobTests: XCTestCase {
    func testScenariosAreWrittenDeterministicallyAndAnUnknownCategoryIsNamed() throws {
        let folder = try temporaryDirectory(self, prefix: "scenarios")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        try DemoMarketGenerator(universe: universe, seed: 4).write(to: folder)
        let session = UniverseSession(definition: universe, dataDirectory: folder)
        let category = universe.categories[0].name
        let options = JointSynthesisOptions(count: 2, minimumFidelity: 0, maxAttempts: 4, seed: 9, length: 300)
        var lines: [String] = []
        let first = try CategoryScenarioJob.run(session: session, universePath: "demo.yaml", category: category, options: options,
                                                blockLength: nil, stressQuantile: 0.1, out: folder.appendingPathComponent("a"), log: { lines.append($0) })
        _ = try CategoryScenarioJob.run(session: session, universePath: "demo.yaml", category: category, options: options,
                                        blockLength: nil, stressQuantile: 0.1, out: folder.appendingPathComponent("b"))
        XCTAssertEqual(first.scenarios.count, 2)
        XCTAssertTrue(lines.first?.hasPrefix("synth: \(category): ") == true, "\(lines)")
        for i in 0..<2 {
            for ticker in first.source.tickers {
                let a = try Data(contentsOf: folder.appendingPathComponent("a/scenario_\(i)/\(ticker).csv"))
                XCTAssertEqual(a, try Data(contentsOf: folder.appendingPathComponent("b/scenario_\(i)/\(ticker).csv")), ticker)
                XCTAssertEqual(try OHLCVCSV.parse(a, file: ticker).series.dates.count, 300, ticker)
            }
        }
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("a/report.json"))) as? [String: Any])
        XCTAssertEqual(report["universe"] as? String, "demo.yaml")
        XCTAssertEqual((report["scenarios"] as? [Any])?.count, 2)
        XCTAssertThrowsError(try CategoryScenarioJob.run(session: session, universePath: "demo.yaml", category: "nope", options: options,
                                                         blockLength: nil, stressQuantile: 0.1, out: folder.appendingPathComponent("c"))) {
            XCTAssertTrue("\($0)".hasPrefix("--category: 'nope' is not a category of demo.yaml ("), "\($0)")
        }
    }
}
