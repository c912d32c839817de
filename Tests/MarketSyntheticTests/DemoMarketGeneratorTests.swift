// Demo data generator: determinism, stylized facts, OHLC consistency, calendars and the designed defects.
import Foundation
import XCTest
import MarketData
import MarketSupport
@testable import MarketSynthetic

final class DemoMarketGeneratorTests: XCTestCase {
    /// The shape of universes/demo.yaml: six categories, 30 assets, 6 years.
    static func demoShapedUniverse() -> Universe {
        func category(_ name: String, _ weight: Double, _ days: Int, _ tickers: [String]) -> UniverseCategory {
            UniverseCategory(name: name, batchWeight: weight, tradingDaysPerYear: days, historyYears: 6,
                             assets: tickers.map { UniverseAsset(ticker: $0, name: $0, group: name) })
        }
        return Universe(categories: [
            category("us_stocks", 0.40, 252, ["AAPL", "MSFT", "NVDA", "JPM", "GS", "JNJ", "PG", "AMZN", "CAT", "XOM"]),
            category("europe_stocks", 0.20, 250, ["ASML.AS", "SAP.DE", "MC.PA", "NESN.SW", "HSBA.L"]),
            category("emerging", 0.15, 250, ["RELIANCE.NS", "TCS.NS", "0700.HK", "VALE3.SA"]),
            category("commodities", 0.10, 252, ["GC=F", "CL=F", "HG=F", "ZC=F"]),
            category("crypto", 0.10, 365, ["BTC-USD", "ETH-USD", "BNB-USD", "SOL-USD"]),
            category("forex", 0.05, 260, ["EURUSD=X", "USDJPY=X", "GBPUSD=X"]),
        ])
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("demo-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func fileBytes(under directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)!
        for case let url as URL in enumerator where !url.hasDirectoryPath {
            result[String(url.path.dropFirst(directory.path.count))] = try Data(contentsOf: url)
        }
        return result
    }

    func testSameSeedWritesSameBytesAndAnotherSeedDiffers() throws {
        let universe = Self.demoShapedUniverse()
        let a = try temporaryDirectory(), b = try temporaryDirectory(), c = try temporaryDirectory()
        try DemoMarketGenerator(universe: universe, seed: 42).write(to: a)
        try DemoMarketGenerator(universe: universe, seed: 42).write(to: b)
        try DemoMarketGenerator(universe: universe, seed: 43).write(to: c)
        let first = try fileBytes(under: a), second = try fileBytes(under: b), third = try fileBytes(under: c)
        XCTAssertEqual(first.count, 29 + 1, "29 CSV files (one asset missing on purpose) and the manifest")
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first["/us_stocks/AAPL.csv"], third["/us_stocks/AAPL.csv"])
    }

    func testWrittenCSVReadsBackToTheSeriesExactly() throws {
        let directory = try temporaryDirectory()
        let assets = try DemoMarketGenerator(universe: Self.demoShapedUniverse(), seed: 5).write(to: directory)
        for asset in assets {
            guard let series = asset.series else { continue }
            let text = try String(contentsOf: directory.appendingPathComponent("\(asset.category)/\(asset.ticker).csv"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            XCTAssertEqual(lines.first, "Date,Open,High,Low,Close,Volume")
            XCTAssertEqual(lines.count - 1, series.count, asset.ticker)
            for (index, line) in lines.dropFirst().enumerated() where index % 97 == 0 || index == series.count - 1 {
                let fields = line.split(separator: ",").map(String.init)
                XCTAssertEqual(CivilDate.parseISO(fields[0]), series.dates[index])
                XCTAssertEqual(Double(fields[1]), series.open[index])
                XCTAssertEqual(Double(fields[2]), series.high[index])
                XCTAssertEqual(Double(fields[3]), series.low[index])
                XCTAssertEqual(Double(fields[4]), series.close[index])
                XCTAssertEqual(Double(fields[5]), series.volume[index])
            }
        }
    }

    func testOHLCConsistencyCalendarsAndVolume() throws {
        let generator = DemoMarketGenerator(universe: Self.demoShapedUniverse(), seed: 11)
        for asset in generator.generate() {
            guard let s = asset.series else { continue }
            for i in 0..<s.count {
                XCTAssertGreaterThan(s.low[i], 0, asset.ticker)
                XCTAssertGreaterThanOrEqual(s.high[i], max(s.open[i], s.close[i]), "\(asset.ticker) bar \(i)")
                XCTAssertLessThanOrEqual(s.low[i], min(s.open[i], s.close[i]), "\(asset.ticker) bar \(i)")
                XCTAssertGreaterThanOrEqual(s.volume[i], 0)
                if i > 0 { XCTAssertLessThan(s.dates[i - 1], s.dates[i]) }
            }
            XCTAssertLessThanOrEqual(s.dates.last!, generator.endDate)
            let weekendBars = s.dates.filter { CivilDate.weekday($0) >= 5 }.count
            if asset.category == "crypto" {
                XCTAssertGreaterThan(weekendBars, s.count / 4, "\(asset.ticker) trades every day")
            } else {
                XCTAssertEqual(weekendBars, 0, "\(asset.ticker) trades on weekdays only")
            }
            if asset.category == "forex" { XCTAssertEqual(s.volume.max(), 0) } else { XCTAssertGreaterThan(s.volume.min()!, 0) }
        }
    }

    func testDesignedDefects() throws {
        let generator = DemoMarketGenerator(universe: Self.demoShapedUniverse(), seed: 42)
        let plan = generator.defects
        XCTAssertEqual(plan.missing, ["VALE3.SA"])
        XCTAssertEqual(Set(plan.gaps.keys), ["MSFT", "SAP.DE", "ETH-USD"])
        XCTAssertEqual(Array(plan.shortHistoryDays.keys), ["SOL-USD"])
        let assets = Dictionary(uniqueKeysWithValues: generator.generate().map { ($0.ticker, $0) })
        XCTAssertNil(assets["VALE3.SA"]!.series)
        XCTAssertEqual(assets["VALE3.SA"]!.defect, "missing")
        // Gaps are internal runs of exactly the planned lengths: compare with a complete asset of the category.
        for (gapped, reference, runs) in [("MSFT", "AAPL", [1, 3]), ("SAP.DE", "ASML.AS", [10]), ("ETH-USD", "BTC-USD", [2])] {
            let dates = assets[gapped]!.series!.dates, full = assets[reference]!.series!.dates
            XCTAssertEqual(assets[reference]!.defect, "complete")
            XCTAssertEqual(dates.first, full.first)
            XCTAssertEqual(dates.last, full.last)
            let present = Set(dates)
            var lengths: [Int] = [], run = 0
            for day in full {
                if present.contains(day) { if run > 0 { lengths.append(run); run = 0 } } else { run += 1 }
            }
            XCTAssertEqual(lengths, runs, gapped)
        }
        let short = assets["SOL-USD"]!.series!
        XCTAssertEqual(short.dates.first!, generator.endDate - 539)
        XCTAssertEqual(short.count, 540)
        XCTAssertEqual(assets["SOL-USD"]!.fullCount, assets["BTC-USD"]!.series!.count)
        let complete = assets.values.filter { $0.defect == "complete" }
        XCTAssertEqual(complete.count, 25)
        for asset in complete { XCTAssertEqual(asset.series!.count, asset.fullCount) }
    }

    func testNoDefectsPlanWritesEveryAssetComplete() throws {
        let assets = DemoMarketGenerator(universe: Self.demoShapedUniverse(), seed: 42, defects: DemoDefectPlan.empty).generate()
        XCTAssertTrue(assets.allSatisfy { $0.defect == "complete" && $0.series?.count == $0.fullCount })
    }

    // MARK: stylized facts

    private func logReturns(_ s: OHLCVSeries) -> [Double] {
        (1..<s.count).map { log(s.close[$0] / s.close[$0 - 1]) }
    }

    private func excessKurtosis(_ x: [Double]) -> Double {
        let n = Double(x.count), mean = x.reduce(0, +) / n
        let m2 = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m4 = x.reduce(0) { $0 + pow($1 - mean, 4) } / n
        return m4 / (m2 * m2) - 3
    }

    private func lagOneAutocorrelationOfSquares(_ x: [Double]) -> Double {
        let squares = x.map { $0 * $0 }
        let mean = squares.reduce(0, +) / Double(squares.count)
        let centred = squares.map { $0 - mean }
        let numerator = (1..<centred.count).reduce(0) { $0 + centred[$1] * centred[$1 - 1] }
        return numerator / centred.reduce(0) { $0 + $1 * $1 }
    }

    private func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    private func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

    /// Thresholds: per category, median excess kurtosis > 1 and median lag-1 ACF of r² > 0.05 (single assets vary
    /// with heavy tails, so at least 80 % of all assets must pass on their own); every pair of complete assets of a
    /// category correlates > 0.2; crypto is at least 4× as volatile as forex. Checked for two seeds.
    func testStylizedFactsArePresent() throws {
        for seed: UInt64 in [42, 7] {
            let assets = DemoMarketGenerator(universe: Self.demoShapedUniverse(), seed: seed, defects: DemoDefectPlan.empty).generate()
            var passing = 0
            var volatility: [String: Double] = [:]
            for category in Set(assets.map(\.category)) {
                let members = assets.filter { $0.category == category }
                let returns = members.map { logReturns($0.series!) }
                let kurtoses = returns.map(excessKurtosis), clustering = returns.map(lagOneAutocorrelationOfSquares)
                XCTAssertGreaterThan(median(kurtoses), 1, "seed \(seed) \(category) kurtosis \(kurtoses)")
                XCTAssertGreaterThan(median(clustering), 0.05, "seed \(seed) \(category) ACF(r²) \(clustering)")
                passing += zip(kurtoses, clustering).filter { $0 > 1 && $1 > 0.05 }.count
                for i in returns.indices { for j in returns.indices where j > i {
                    XCTAssertGreaterThan(correlation(returns[i], returns[j]), 0.2, "seed \(seed) \(members[i].ticker)~\(members[j].ticker)")
                } }
                let sd = returns.map { r in (r.reduce(0) { $0 + $1 * $1 } / Double(r.count)).squareRoot() }
                volatility[category] = median(sd) * Double(category == "crypto" ? 365 : 252).squareRoot()
            }
            XCTAssertGreaterThanOrEqual(Double(passing), 0.8 * Double(assets.count), "seed \(seed)")
            XCTAssertGreaterThan(volatility["crypto"]!, 4 * volatility["forex"]!)
        }
    }
}
