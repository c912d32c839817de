// Universe YAML: the real sample and the global universe load; unknown keys and wrong types name their key path.
import XCTest
@testable import MarketData

final class UniverseYAMLTests: XCTestCase {
    let minimal = """
    name: t
    categories:
      - name: crypto
        batch_weight: 1.0
        trading_days_per_year: 365
        history_years: 8
        assets:
          - {ticker: "BTC-USD", group: large}
          - {ticker: "ETH-USD", name: Ether}
    """

    func testMinimalDefaults() throws {
        let universe = try Universe.parse(yaml: minimal, file: "u.yaml")
        XCTAssertEqual(universe.name, "t")
        XCTAssertEqual(universe.categories[0].assets[1], UniverseAsset(ticker: "ETH-USD", name: "Ether", group: "crypto"))
        XCTAssertEqual(universe.categories[0].assets[0].name, "BTC-USD")
    }

    func testErrorsNameKeyPath() {
        let cases: [(String, String)] = [
            (minimal.replacingOccurrences(of: "name: Ether", with: "nam: Ether"), "categories[0].assets[1].nam: unknown key"),
            (minimal.replacingOccurrences(of: "trading_days_per_year: 365", with: "trading_days_per_year: [1]"), "categories[0].trading_days_per_year: expected an integer, found a list"),
            (minimal.replacingOccurrences(of: "history_years: 8", with: "history_years: eight"), "categories[0].history_years: expected a number, found 'eight'"),
            (minimal.replacingOccurrences(of: "batch_weight: 1.0", with: "batch_weight: 0.5"), "batch_weight values sum to 0.5"),
            (minimal.replacingOccurrences(of: "ETH-USD", with: "BTC-USD"), "categories[0].assets[1].ticker: ticker 'BTC-USD' appears twice"),
            (minimal.replacingOccurrences(of: "name: t", with: "nme: t"), "nme: unknown key"),
            ("categories: 3", "categories: expected a list"),
        ]
        for (yaml, expected) in cases {
            XCTAssertThrowsError(try Universe.parse(yaml: yaml, file: "u.yaml")) { error in
                XCTAssertTrue("\(error)".hasPrefix("u.yaml line "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error) lacks \(expected)")
            }
        }
    }

    func testRealSampleUniverseLoads() throws {
        let universe = try Universe.load(try SharedData.folder("real").appendingPathComponent("universe.yaml"))
        XCTAssertEqual(universe.name, "real-sample")
        XCTAssertEqual(universe.assetCount, 213)
        XCTAssertEqual(universe.categories.map(\.name), ["us_stocks", "europe_stocks", "emerging", "commodities", "crypto", "forex"])
    }
}
