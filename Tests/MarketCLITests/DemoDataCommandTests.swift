// End-to-end checks of `marketgpt demo-data`: the embedded universe matches universes/demo.yaml, files and manifest.
import Foundation
import XCTest
@testable import MarketCLI
import MarketTestSupport
import MarketPipeline

final class DemoDataCommandTests: XCTestCase {
    /// The folder holding Package.swift.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }

    func testEmbeddedUniverseIsUniversesDemoYAML() throws {
        let file = try String(contentsOf: Self.packageRoot.appendingPathComponent("universes/demo.yaml"), encoding: .utf8)
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("demo-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        // Both spellings must produce the same bytes: the embedded text is the file's text.
        let embedded = try CLIRunner.run(["demo-data", "--out", temp.appendingPathComponent("a").path])
        let fromFile = try CLIRunner.run(["demo-data", "--out", temp.appendingPathComponent("b").path,
                                          "--universe", Self.packageRoot.appendingPathComponent("universes/demo.yaml").path])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let manifestA = try Data(contentsOf: temp.appendingPathComponent("a/demo-manifest.json"))
        let manifestB = try Data(contentsOf: temp.appendingPathComponent("b/demo-manifest.json"))
        XCTAssertEqual(manifestA, manifestB)
        XCTAssertEqual(EmbeddedDemoUniverse.yaml + "\n", file)
        XCTAssertEqual(file.components(separatedBy: "ticker:").count - 1, 30)
    }

    func testWritesFilesAndManifestWithTheDesignedDefects() throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("demo-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        let result = try CLIRunner.run(["demo-data", "--out", temp.path, "--seed", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("29 files"), result.stdout)
        XCTAssertTrue(result.stderr.contains("VALE3.SA (emerging): missing"), result.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: temp.appendingPathComponent("demo-manifest.json"))) as! [String: Any]
        XCTAssertEqual(manifest["seed"] as? Int, 3)
        let assets = manifest["assets"] as! [[String: Any]]
        XCTAssertEqual(assets.count, 30)
        let defects = Dictionary(uniqueKeysWithValues: assets.map { ($0["ticker"] as! String, $0["defect"] as! String) })
        XCTAssertEqual(defects.filter { $0.value != "complete" },
                       ["MSFT": "gaps", "SAP.DE": "gaps", "ETH-USD": "gaps", "SOL-USD": "short_history", "VALE3.SA": "missing"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.appendingPathComponent("emerging/VALE3.SA.csv").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: temp.appendingPathComponent("commodities/GC=F.csv").path))
    }

    func testBadUniverseAndBadDateFailWithOneLine() throws {
        let missing = try CLIRunner.run(["demo-data", "--universe", "/nonexistent/u.yaml", "--out", "/tmp/unused-demo"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/u.yaml"), missing.stderr)
        let badDate = try CLIRunner.run(["demo-data", "--end-date", "2025-13-01", "--out", "/tmp/unused-demo"])
        XCTAssertNotEqual(badDate.status, 0)
        XCTAssertTrue(badDate.stderr.contains("2025-13-01"), badDate.stderr)
    }
}
