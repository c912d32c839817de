// Universe YAML: the real sample and the global universe load; unknown keys and wrong types name their key path.
import XCTest
@testable import MarketData
import MarketTestSupport

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

/// universes/global.yaml: the design's 615 assets with the counts per category and group.
final class GlobalUniverseTests: XCTestCase {
    func testCountsWeightsAndCalendars() throws {
        let universe = try Universe.load(SharedData.packageRoot.appendingPathComponent("universes/global.yaml"))
        XCTAssertEqual(universe.assetCount, 615)
        let expected: [(String, Double, Int, Double, [String: Int])] = [
            ("us_stocks", 0.40, 252, 30, ["Technology": 60, "Financials": 50, "Healthcare": 40, "Consumer": 40, "Industrials": 30, "Energy": 30, "Others": 50]),
            ("europe_stocks", 0.20, 250, 20, ["UK": 40, "Germany": 30, "France": 30, "Switzerland": 20, "Others": 30]),
            ("emerging", 0.15, 250, 15, ["India": 30, "China": 30, "Brazil": 20, "Others": 20]),
            ("commodities", 0.10, 252, 30, ["precious_metals": 7, "energy": 8, "industrial_metals": 5, "agriculture": 10]),
            ("crypto", 0.10, 365, 8, ["crypto": 20]),
            ("forex", 0.05, 260, 20, ["majors": 7, "crosses": 5, "exotics": 3]),
        ]
        XCTAssertEqual(universe.categories.count, expected.count)
        for (category, want) in zip(universe.categories, expected) {
            XCTAssertEqual(category.name, want.0)
            XCTAssertEqual(category.batchWeight, want.1)
            XCTAssertEqual(category.tradingDaysPerYear, want.2)
            XCTAssertEqual(category.historyYears, want.3)
            XCTAssertEqual(Dictionary(grouping: category.assets, by: \.group).mapValues(\.count), want.4, category.name)
        }
        let tickers = universe.assets.map(\.asset.ticker)
        XCTAssertTrue(universe.categories[2].assets.filter { $0.group == "India" }.allSatisfy { $0.ticker.hasSuffix(".NS") })
        XCTAssertTrue(universe.categories[2].assets.filter { $0.group == "Brazil" }.allSatisfy { $0.ticker.hasSuffix(".SA") })
        XCTAssertTrue(universe.categories[4].assets.allSatisfy { $0.ticker.hasSuffix("-USD") })
        XCTAssertTrue(universe.categories[5].assets.allSatisfy { $0.ticker.hasSuffix("=X") })
        XCTAssertTrue(["GC=F", "CL=F", "HG=F", "ZC=F", "GLD", "USO"].allSatisfy(tickers.contains))
        XCTAssertTrue(universe.assets.allSatisfy { !$0.asset.name.isEmpty })
        XCTAssertLessThan(universe.assets.filter { $0.asset.name == $0.asset.ticker }.count, 10, "names are given (IBM, CSX … are their own names)")
    }
}
