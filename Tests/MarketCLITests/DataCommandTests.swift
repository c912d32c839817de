// End-to-end checks of `marketgpt check-csv` and `marketgpt universe` on the shared real and messy data.
import Foundation
import XCTest
import MarketTestSupport

final class DataCommandTests: XCTestCase {
    func shared(_ name: String) throws -> String {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url = url.deletingLastPathComponent()
        }
        let path = url.appendingPathComponent("../shared/data/\(name)").standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no shared data at \(path)") }
        return path
    }

    func testCheckCSVFailsWithOneLineThenLoadsWithOptions() throws {
        let file = try shared("raw-messy/BP.L_yahoo_ddmmyyyy_nulls.csv")
        let failed = try CLIRunner.run(["check-csv", file])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertEqual(failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1)
        XCTAssertTrue(failed.stderr.contains("line 2"))
        let loaded = try CLIRunner.run(["check-csv", file, "--date-order", "dmy", "--json"])
        XCTAssertEqual(loaded.status, 0, loaded.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["rows"] as? Int, 1262)
        XCTAssertEqual((object["dropped"] as? [String: Int])?["null"], 2)
    }

    func testUniverseJSONOnRealSample() throws {
        let data = try shared("real")
        let result = try CLIRunner.run(["universe", "--universe", data + "/universe.yaml", "--data", data, "--json", "--as-of", "2020-01-31"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let assets = object["assets"] as! [[String: Any]]
        XCTAssertEqual(assets.count, 213)
        XCTAssertNotNil(object["seconds"] as? Double)
        for key in ["ticker", "category", "status", "rows", "first_date", "last_date", "dropped", "gaps", "filled_bars", "shortfall_days"] {
            XCTAssertNotNil(assets[0][key], key)
        }
        XCTAssertTrue(assets.allSatisfy { ($0["last_date"] as? String ?? "") <= "2020-01-31" })
        // AAPL starts in 2000, inside the 24-year window: the shortfall is back-filled (synth's GapFiller).
        let aapl = try XCTUnwrap(assets.first { $0["ticker"] as? String == "AAPL" })
        XCTAssertEqual(aapl["status"] as? String, "filled")
        XCTAssertEqual(aapl["filled_bars"] as? Int, (aapl["shortfall_days"] as? Int ?? -1) + (aapl["gaps"] as? Int ?? -1))
    }

    func testUniverseErrorNamesKeyPath() throws {
        let directory = try temporaryDirectory(self, prefix: "cli-universe")
        let yaml = directory.appendingPathComponent("u.yaml")
        try "categories:\n  - name: x\n    batch_weight: 1\n    trading_days_per_year: 252\n    history_years: 1\n    colour: red\n    assets: []\n"
            .write(to: yaml, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["universe", "--universe", yaml.path, "--data", directory.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("categories[0].colour: unknown key"), result.stderr)
    }

    /// `universe` reads its files with the CSV layout options (`--date-order`), like `check-csv`: the messy
    /// day-month-year file fails to load without the option and loads all its rows with it.
    func testUniverseReadsFilesWithTheLayoutOptions() throws {
        let messy = try shared("raw-messy/BP.L_yahoo_ddmmyyyy_nulls.csv")
        let directory = try temporaryDirectory(self, prefix: "cli-universe-layout")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("eu"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: messy, toPath: directory.appendingPathComponent("eu/BP.L.csv").path)
        let yaml = directory.appendingPathComponent("u.yaml")
        try "categories:\n  - name: eu\n    batch_weight: 1\n    trading_days_per_year: 252\n    history_years: 1\n    assets:\n      - {ticker: \"BP.L\"}\n"
            .write(to: yaml, atomically: true, encoding: .utf8)
        let plain = try CLIRunner.run(["universe", "--universe", yaml.path, "--data", directory.path, "--json", "--strict"])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.stderr.contains("BP.L.csv"), plain.stderr)
        let result = try CLIRunner.run(["universe", "--universe", yaml.path, "--data", directory.path, "--json", "--strict", "--date-order", "dmy"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let asset = try XCTUnwrap((object["assets"] as? [[String: Any]])?.first)
        XCTAssertEqual(asset["rows"] as? Int, 1262)
        XCTAssertEqual((asset["dropped"] as? [String: Int])?["null"], 2)
    }
}
