// Gap filling: bridged gaps, back-fill ending at the first real price, peer synthesis, no look-ahead (canaries).
import Foundation
import XCTest
import MarketData
@testable import MarketSynthetic
import MarketSupport

final class GapFillerTests: XCTestCase {
    /// Removes the bars at `holes` and returns the remaining series and the removed dates.
    private func punch(_ series: OHLCVSeries, holes: [Range<Int>]) -> (OHLCVSeries, [DayNumber]) {
        var keep = [Bool](repeating: true, count: series.count)
        for hole in holes { for i in hole { keep[i] = false } }
        let kept = (0..<series.count).filter { keep[$0] }
        let gapDates = (0..<series.count).filter { !keep[$0] }.map { series.dates[$0] }
        let out = OHLCVSeries(dates: kept.map { series.dates[$0] }, open: kept.map { series.open[$0] },
                              high: kept.map { series.high[$0] }, low: kept.map { series.low[$0] },
                              close: kept.map { series.close[$0] }, volume: kept.map { series.volume[$0] })
        return (out, gapDates)
    }

    private func assertConsistent(_ s: OHLCVSeries, file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<s.count {
            XCTAssertTrue(s.low[i] > 0 && s.low[i] <= min(s.open[i], s.close[i]) && max(s.open[i], s.close[i]) <= s.high[i]
                          && s.volume[i] >= 0, "bar \(i)", file: file, line: line)
        }
        XCTAssertTrue(zip(s.dates, s.dates.dropFirst()).allSatisfy { $0 < $1 }, file: file, line: line)
    }

    func testInternalGapsAreFilledFlaggedAndRealBarsKept() {
        let full = GARCHReference.series(days: 600, seed: 1)
        let (real, gaps) = punch(full, holes: [300..<305, 400..<401, 550..<570])
        let (filled, report) = GapFiller.fill(real: real, gapDates: gaps, shortfallDates: [], seed: 7, key: 1)
        XCTAssertEqual(filled.dates, full.dates)
        XCTAssertEqual(report.gapBars, 26)
        XCTAssertEqual(filled.isSynthetic.filter { $0 }.count, 26)
        for i in 0..<filled.count {
            XCTAssertEqual(filled.isSynthetic[i], gaps.contains(filled.dates[i]))
            if !filled.isSynthetic[i] {
                let r = real.lastIndex(onOrBefore: filled.dates[i])!
                XCTAssertEqual(filled.close[i], real.close[r]); XCTAssertEqual(filled.open[i], real.open[r])
            }
        }
        assertConsistent(filled)
        let again = GapFiller.fill(real: real, gapDates: gaps, shortfallDates: [], seed: 7, key: 1).series
        XCTAssertEqual(again, filled)
        XCTAssertNotEqual(GapFiller.fill(real: real, gapDates: gaps, shortfallDates: [], seed: 8, key: 1).series.close, filled.close)
    }

    func testBridgeJoinsBothSidesExactly() throws {
        // Constant 0.1 % daily growth: the bridged closes must be log-linear between the two real closes.
        let days = 200
        let dates = OHLCVReconstruction.dates(after: 10_000, count: days, weekends: false)
        var close = (0..<days).map { 100 * exp(0.001 * Double($0)) }
        for i in 120..<days { close[i] *= 1.3 }   // a jump across the gap 110..<120
        let series = OHLCVSeries(dates: dates, open: close, high: close.map { $0 * 1.01 }, low: close.map { $0 * 0.99 },
                                 close: close, volume: [Double](repeating: 1000, count: days))
        let (real, gaps) = punch(series, holes: [110..<120])
        let filled = GapFiller.fill(real: real, gapDates: gaps, shortfallDates: [], seed: 3, key: 9).series
        let before = log(close[109]), after = log(close[120])
        for j in 1...10 {
            XCTAssertEqual(log(filled.close[109 + j]), before + Double(j) / 11 * (after - before), accuracy: 1e-9)
        }
    }

    func testBackfillEndsAtTheFirstRealPrice() {
        let full = GARCHReference.series(days: 500, seed: 2)
        let real = full.slice(200..<500)
        let shortfall = Array(full.dates[0..<200])
        let (filled, report) = GapFiller.fill(real: real, gapDates: [], shortfallDates: shortfall, seed: 1, key: 2)
        XCTAssertEqual(report.backfilledBars, 200)
        XCTAssertEqual(filled.dates, full.dates)
        XCTAssertTrue(filled.isSynthetic[0..<200].allSatisfy { $0 })
        XCTAssertTrue(filled.isSynthetic[200...].allSatisfy { !$0 })
        // The step from the last back-filled close into the first real close is one real day's return.
        let source = try! BootstrapSource(series: real)
        let step = log(real.close[0] / filled.close[199])
        XCTAssertTrue(source.logReturn.contains { abs($0 - step) < 1e-12 }, "step \(step)")
        assertConsistent(filled)
    }

    func testAsOfCanaryFillsIgnoreLaterData() {
        let full = GARCHReference.series(days: 800, seed: 4)
        let (real, gaps) = punch(full, holes: [350..<360, 500..<503, 700..<710])
        let asOf = full.dates[600]
        // Canary: everything after the as-of day is wild.
        var poisoned = real
        for i in 0..<poisoned.count where poisoned.dates[i] > asOf {
            poisoned.close[i] *= 50; poisoned.open[i] *= 50; poisoned.high[i] *= 60; poisoned.low[i] *= 0.5
        }
        let truncated = real.slice(0..<(real.lastIndex(onOrBefore: asOf)! + 1))
        let shortfall = (1...40).map { full.dates[0] - DayNumber(41 - $0) * 7 }
        let a = GapFiller.fill(real: poisoned, gapDates: gaps, shortfallDates: shortfall, asOf: asOf, seed: 5, key: 3).series
        let b = GapFiller.fill(real: truncated, gapDates: gaps.filter { $0 <= asOf }, shortfallDates: shortfall, seed: 5, key: 3).series
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.dates.last, asOf)
        XCTAssertEqual(a.isSynthetic.filter { $0 }.count, 40 + 13)
    }

    // MARK: universe level

    private func writeUniverse(_ folder: URL, canaryAfter: DayNumber?) throws -> Universe {
        let category = folder.appendingPathComponent("stocks")
        try FileManager.default.createDirectory(at: category, withIntermediateDirectories: true)
        for (ticker, seed, start) in [("AAA", UInt64(1), 0), ("BBB", 2, 300), ("CCC", 3, 0)] {
            var series = GARCHReference.series(days: 1200, seed: seed).slice(start..<1200)
            if ticker == "CCC" { series = punch(series, holes: [600..<604]).0 }
            var text = "Date,Open,High,Low,Close,Volume\n"
            for i in 0..<series.count {
                var factor = 1.0
                if let canaryAfter, series.dates[i] > canaryAfter { factor = 40 }
                text += "\(CivilDate.isoString(series.dates[i])),\(series.open[i] * factor),\(series.high[i] * factor),"
                    + "\(series.low[i] * factor),\(series.close[i] * factor),\(Int(series.volume[i]))\n"
            }
            try text.write(to: category.appendingPathComponent("\(ticker).csv"), atomically: true, encoding: .utf8)
        }
        let assets = ["AAA", "BBB", "CCC", "DDD"].map { UniverseAsset(ticker: $0, name: $0, group: "g") }
        return Universe(categories: [UniverseCategory(name: "stocks", batchWeight: 1, tradingDaysPerYear: 252,
                                                      historyYears: 5, assets: assets)])
    }

    func testUniverseFillFlagsEverythingAndNamesThePeer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gapfill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let universe = try writeUniverse(folder, canaryAfter: nil)
        let loaded = UniverseLoader.load(universe, dataDirectory: folder)
        let (filled, reports) = GapFiller.fill(loaded)
        XCTAssertEqual(filled.assets[3].status, .filled)
        XCTAssertNotNil(reports[3].peer)
        XCTAssertTrue(["AAA", "BBB", "CCC"].contains(reports[3].peer!))
        XCTAssertEqual(reports[3].synthesizedBars, loaded.assets[3].shortfallDates.count)
        XCTAssertGreaterThan(reports[1].backfilledBars, 0)
        XCTAssertEqual(reports[2].gapBars, loaded.assets[2].gapDates.count)
        XCTAssertGreaterThan(reports[2].gapBars, 0)
        for asset in filled.assets {
            let series = try XCTUnwrap(asset.series)
            XCTAssertEqual(asset.filledBars, series.isSynthetic.filter { $0 }.count)
            XCTAssertEqual(asset.filledBars, reports[asset.assetID].filledBars)
            assertConsistent(series)
            // Every calendar day of the window is covered.
            let window = Set(filled.calendars[0].filter { $0 >= filled.historyStart[0] })
            XCTAssertTrue(window.isSubset(of: Set(series.dates)), asset.asset.ticker)
        }
    }

    func testUniverseAsOfCanary() throws {
        let clean = FileManager.default.temporaryDirectory.appendingPathComponent("gapfill-clean-\(UUID().uuidString)")
        let dirty = FileManager.default.temporaryDirectory.appendingPathComponent("gapfill-dirty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: clean); try? FileManager.default.removeItem(at: dirty) }
        let asOf = GARCHReference.series(days: 1200, seed: 1).dates[900]
        let universe = try writeUniverse(clean, canaryAfter: nil)
        _ = try writeUniverse(dirty, canaryAfter: asOf)
        let options = UniverseLoadOptions(asOf: asOf)
        let a = GapFiller.fill(UniverseLoader.load(universe, dataDirectory: clean, options: options)).universe
        let b = GapFiller.fill(UniverseLoader.load(universe, dataDirectory: dirty, options: options)).universe
        for id in 0..<4 {
            XCTAssertEqual(a.assets[id].series, b.assets[id].series, "asset \(id)")
            XCTAssertGreaterThan(a.assets[id].filledBars, 0)
        }
    }
}
