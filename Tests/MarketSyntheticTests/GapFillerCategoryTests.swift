// A missing asset filled from its category (factor on the peers' same-day moves + bootstrapped residuals): it keeps the
// category's cross-correlation where the old one-peer bootstrap gave ≈ 0; deterministic; nothing after `asOf` is read.
import Foundation
import XCTest
import MarketData
@testable import MarketSynthetic
import MarketSupport

final class GapFillerCategoryTests: XCTestCase {
    /// Median over `peers` of the correlation between `series`' close-to-close log returns and each peer's over the same
    /// pairs of consecutive dates of `series` (pairs where the peer has a bar on both).
    static func medianCorrelation(_ series: OHLCVSeries, with peers: [OHLCVSeries]) -> Double {
        var values: [Double] = []
        for peer in peers {
            var close: [DayNumber: Double] = [:]
            for i in 0..<peer.count { close[peer.dates[i]] = peer.close[i] }
            var a: [Double] = [], b: [Double] = []
            for i in 1..<series.count {
                guard let p0 = close[series.dates[i - 1]], let p1 = close[series.dates[i]] else { continue }
                a.append(log(series.close[i] / series.close[i - 1]))
                b.append(log(p1 / p0))
            }
            let m = JointBootstrapSource.correlationMatrix([a, b])
            values.append(m[1])
        }
        values.sort()
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    /// Measured on 10 real US stocks: MSFT held out as "missing" over its last 2,500 real dates, AAPL its donor (same
    /// group), the 8 others the category. Real MSFT's median correlation with the 8 is the target.
    func testRealUSStockFilledFromItsCategoryKeepsTheCrossCorrelation() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/data/real/us_stocks").standardizedFileURL
        guard FileManager.default.fileExists(atPath: folder.path) else { throw XCTSkip("no real data at \(folder.path)") }
        func load(_ ticker: String) throws -> OHLCVSeries { try OHLCVCSV.load(folder.appendingPathComponent("\(ticker).csv")).series }
        let held = try load("MSFT"), donor = try load("AAPL")
        let peers = try ["JPM", "XOM", "JNJ", "PG", "KO", "WMT", "INTC", "CSCO"].map(load)
        let dates = Array(held.dates.suffix(2_500))
        let real = held.slice((held.count - 2_500)..<held.count)
        let start = donor.close[donor.lastIndex(onOrBefore: dates[0] - 1)!]
        let category = try XCTUnwrap(GapFiller.synthesizeFromCategory(dates: dates, donor: donor, peers: peers, startPrice: start,
                                                                      seed: 0x5EED, key: GapFiller.key("MSFT")))
        let old = GapFiller.synthesize(dates: dates, from: try BootstrapSource(series: donor), startPrice: start, seed: 0x5EED,
                                       key: GapFiller.key("MSFT"))
        let target = Self.medianCorrelation(real, with: peers)
        let new = Self.medianCorrelation(category.series, with: peers)
        let before = Self.medianCorrelation(old, with: peers)
        let donorLevel = Self.medianCorrelation(donor.slice((donor.count - 2_500)..<donor.count), with: peers)
        print(String(format: "category fill: median correlation with 8 peers — real MSFT %.3f, donor AAPL %.3f, category fill %.3f (β %.2f), "
                     + "old peer bootstrap %.3f", target, donorLevel, new, category.beta, before))
        XCTAssertGreaterThan(target, 0.3, "real US stocks move together")
        // The fill co-moves with the category as its donor does (the model's promise), far closer to the real asset than before.
        XCTAssertEqual(new, donorLevel, accuracy: 0.06, "the category fill keeps the donor's cross-correlation")
        XCTAssertGreaterThan(new, 0.25)
        XCTAssertEqual(before, 0, accuracy: 0.06, "the old one-peer bootstrap is uncorrelated with the peers' days")
        XCTAssertLessThan(abs(new - target), abs(before - target))
        XCTAssertTrue(category.series.isSynthetic.allSatisfy { $0 })
        XCTAssertEqual(category.series.dates, dates)
        for i in 0..<category.series.count {
            let s = category.series
            XCTAssertTrue(s.low[i] > 0 && s.low[i] <= min(s.open[i], s.close[i]) && max(s.open[i], s.close[i]) <= s.high[i], "bar \(i)")
        }
    }

    /// A category of three correlated assets (one market factor, loading 0.8) and DDD without a file.
    private func writeUniverse(_ folder: URL, poisonAfter: DayNumber?) throws -> Universe {
        let category = folder.appendingPathComponent("stocks")
        try FileManager.default.createDirectory(at: category, withIntermediateDirectories: true)
        var market = PairedNormalRandom(seed: 11, stream: 1)
        let days = 900
        let factor = (0..<days).map { _ in market.normal() }
        let dates = OHLCVReconstruction.dates(after: CivilDate.dayNumber(year: 2019, month: 1, day: 1), count: days, weekends: false)
        for (a, ticker) in ["AAA", "BBB", "CCC"].enumerated() {
            var own = PairedNormalRandom(seed: 12, stream: UInt64(a + 2))
            var text = "Date,Open,High,Low,Close,Volume\n", close = 50.0 + 10 * Double(a)
            for t in 0..<days {
                let r = 0.012 * (0.8 * factor[t] + 0.6 * own.normal())
                let open = close, next = close * exp(r)
                var scale = 1.0
                if let poisonAfter, dates[t] > poisonAfter { scale = 30 }
                text += "\(CivilDate.isoString(dates[t])),\(open * scale),\(max(open, next) * 1.004 * scale),\(min(open, next) * 0.996 * scale),"
                    + "\(next * scale),\(1000 + t)\n"
                close = next
            }
            try text.write(to: category.appendingPathComponent("\(ticker).csv"), atomically: true, encoding: .utf8)
        }
        let assets = ["AAA", "BBB", "CCC", "DDD"].map { UniverseAsset(ticker: $0, name: $0, group: "g") }
        return Universe(categories: [UniverseCategory(name: "stocks", batchWeight: 1, tradingDaysPerYear: 252, historyYears: 3, assets: assets)])
    }

    func testUniverseFillUsesTheCategoryDeterministicallyAndCausally() throws {
        let clean = FileManager.default.temporaryDirectory.appendingPathComponent("catfill-clean-\(UUID().uuidString)")
        let dirty = FileManager.default.temporaryDirectory.appendingPathComponent("catfill-dirty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: clean); try? FileManager.default.removeItem(at: dirty) }
        let universe = try writeUniverse(clean, poisonAfter: nil)
        let loaded = UniverseLoader.load(universe, dataDirectory: clean)
        let (filled, reports) = GapFiller.fill(loaded)
        XCTAssertEqual(filled.assets[3].status, .filled)
        XCTAssertEqual(reports[3].categoryPeers, 2, "the donor's loading on the two other peers")
        let ddd = try XCTUnwrap(filled.assets[3].series)
        XCTAssertTrue(ddd.isSynthetic.allSatisfy { $0 })
        let peers = (0..<3).compactMap { loaded.assets[$0].real }
        let correlation = Self.medianCorrelation(ddd, with: peers)
        XCTAssertGreaterThan(correlation, 0.45, "real pairs correlate at 0.64; the filled asset moves with them")
        // The old path on the same inputs: uncorrelated.
        let donor = try XCTUnwrap(loaded.assets.first { $0.asset.ticker == reports[3].peer }?.real)
        let old = GapFiller.synthesize(dates: ddd.dates, from: try BootstrapSource(series: donor), startPrice: 50, seed: 0x5EED,
                                       key: GapFiller.key("DDD"))
        XCTAssertLessThan(abs(Self.medianCorrelation(old, with: peers)), 0.15)

        // Deterministic: the same seed gives the same bars; another seed others.
        XCTAssertEqual(GapFiller.fill(loaded).universe.assets[3].series, ddd)
        XCTAssertNotEqual(GapFiller.fill(loaded, options: GapFillOptions(seed: 7)).universe.assets[3].series, ddd)

        // Canary: every bar after asOf ×30 → the fill as of asOf is byte-identical.
        let asOf = loaded.assets[0].real!.dates[600]
        _ = try writeUniverse(dirty, poisonAfter: asOf)
        let options = UniverseLoadOptions(asOf: asOf)
        let a = GapFiller.fill(UniverseLoader.load(universe, dataDirectory: clean, options: options))
        let b = GapFiller.fill(UniverseLoader.load(universe, dataDirectory: dirty, options: options))
        XCTAssertEqual(a.reports[3].categoryPeers, 2)
        XCTAssertEqual(a.universe.assets[3].series, b.universe.assets[3].series)
        XCTAssertLessThanOrEqual(try XCTUnwrap(a.universe.assets[3].series?.dates.last), asOf)
        // …and the poison is real: the full-history fill does change.
        XCTAssertNotEqual(GapFiller.fill(UniverseLoader.load(universe, dataDirectory: dirty)).universe.assets[3].series, ddd)
    }
}
