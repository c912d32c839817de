// Loading a universe from a folder: calendars by majority, gaps, shortfall, stale tails, missing assets, as-of.
import XCTest
@testable import MarketData
import MarketTestSupport
import MarketSupport

final class UniverseLoaderTests: XCTestCase {
    /// Writes `files` (relative path → CSV text) to a fresh temporary folder.
    func folder(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("marketdata-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return root
    }

    func csv(_ days: [String]) -> String {
        "Date,Open,High,Low,Close,Volume\n" + days.map { "\($0),10,11,9,10,5" }.joined(separator: "\n") + "\n"
    }

    func day(_ text: String) -> DayNumber { CivilDate.parseISO(text)! }

    func testGapsShortfallMissingAndCalendar() throws {
        // 2024-01-01 is a Monday. A and B trade Mon 1 .. Fri 12; C lacks Wed 3 and Thu 11 (its gaps);
        // nobody trades Mon 8 (a holiday: not on the calendar); B stops on Fri 5 (a stale tail);
        // A also has a Saturday row (off the calendar). GC=F is found as GC_F.csv; ZZZ is missing.
        let full = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"]
        let data = try folder([
            "stocks/A.csv": csv(full + ["2024-01-13"]),
            "stocks/B.csv": csv(Array(full.prefix(5))),
            "C.csv": csv(full.filter { $0 != "2024-01-03" && $0 != "2024-01-11" }),
            "stocks/GC_F.csv": csv(["2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"]),
        ])
        let universe = Universe(categories: [
            UniverseCategory(name: "stocks", batchWeight: 1, tradingDaysPerYear: 252, historyYears: 15.0 / 365.2425,
                             assets: ["A", "B", "C", "GC=F", "ZZZ"].map { UniverseAsset(ticker: $0, name: $0, group: "g") }),
        ])
        let loaded = UniverseLoader.load(universe, dataDirectory: data)
        let calendar = loaded.calendars[0].map(CivilDate.isoString)
        // The history window (15 days before the last row, Saturday 13th) starts on Friday 2023-12-29: weekdays before the data.
        XCTAssertEqual(calendar, ["2023-12-29"] + full)
        let byTicker = Dictionary(uniqueKeysWithValues: loaded.assets.map { ($0.asset.ticker, $0) })
        XCTAssertEqual(byTicker["A"]!.gapDates, [])
        XCTAssertEqual(byTicker["A"]!.offCalendarBars, 1)
        XCTAssertEqual(byTicker["A"]!.shortfallDates.map(CivilDate.isoString), ["2023-12-29"])
        XCTAssertEqual(byTicker["B"]!.staleDates.count, 4)
        XCTAssertEqual(byTicker["C"]!.gapDates.map(CivilDate.isoString), ["2024-01-03", "2024-01-11"])
        XCTAssertEqual(byTicker["GC=F"]!.shortfallDates.count, 6)
        XCTAssertEqual(byTicker["GC=F"]!.status, .ok)
        XCTAssertEqual(byTicker["ZZZ"]!.status, .missing)
        XCTAssertEqual(byTicker["ZZZ"]!.shortfallDates.count, calendar.count)

        // As of Thursday 4th: later rows are ignored, the calendar ends on the 4th.
        let asOf = UniverseLoader.load(universe, dataDirectory: data, options: UniverseLoadOptions(asOf: day("2024-01-04")))
        XCTAssertEqual(asOf.calendars[0].last, day("2024-01-04"))
        XCTAssertEqual(asOf.assets[0].real?.dates.last, day("2024-01-04"))
        XCTAssertEqual(asOf.assets[3].status, .missing)   // GC=F starts later

        // A filler's result is recorded as filled bars.
        var filled = loaded
        var series = filled.assets[2].real!
        series.isSynthetic[0] = true
        filled.setFilled(series, assetID: 2)
        XCTAssertEqual(filled.assets[2].status, .filled)
        XCTAssertEqual(filled.assets[2].filledBars, 1)
    }

    func testGroupHolidaysAreNotGaps() throws {
        // Three "China" files close on Wed 3rd and Thu 4th; four "India" files trade every weekday.
        // The category calendar keeps the 3rd (4 of 7 trade); China's own calendar drops both days.
        let days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
        let holiday = days.filter { $0 != "2024-01-03" && $0 != "2024-01-04" }
        var files: [String: String] = [:]
        for name in ["C1", "C2", "C3"] { files["e/\(name).csv"] = csv(name == "C1" ? holiday.filter { $0 != "2024-01-05" } : holiday) }
        for name in ["I1", "I2", "I3", "I4"] { files["e/\(name).csv"] = csv(days) }
        let data = try folder(files)
        let assets = ["C1", "C2", "C3"].map { UniverseAsset(ticker: $0, name: $0, group: "China") }
            + ["I1", "I2", "I3", "I4"].map { UniverseAsset(ticker: $0, name: $0, group: "India") }
        let universe = Universe(categories: [UniverseCategory(name: "e", batchWeight: 1, tradingDaysPerYear: 250, historyYears: 0.01, assets: assets)])
        let loaded = UniverseLoader.load(universe, dataDirectory: data)
        XCTAssertEqual(loaded.calendars[0].map(CivilDate.isoString), days)
        XCTAssertEqual(loaded.calendar(forAsset: 0).map(CivilDate.isoString), holiday)
        XCTAssertEqual(loaded.calendar(forAsset: 3), loaded.calendars[0])
        XCTAssertEqual(loaded.assets[0].gapDates.map(CivilDate.isoString), ["2024-01-05"])   // C1's own missing day
        XCTAssertEqual(loaded.assets[1].gapDates, [])
        XCTAssertEqual(loaded.assets[3].gapDates, [])
    }

    func testCryptoCalendarIsEveryDay() {
        let calendar = CategoryCalendar.build(assetDates: [[10, 12]], start: 5, end: 12, everyDay: true)
        XCTAssertEqual(calendar, Array(5...12))
    }

    func testBrokenFileIsRecordedNotThrown() throws {
        let data = try folder(["x/BAD.csv": "Date,Open\n2024-01-01,1\n", "x/OK.csv": csv(["2024-01-02"])])
        let universe = Universe(categories: [UniverseCategory(name: "x", batchWeight: 1, tradingDaysPerYear: 252, historyYears: 1,
                                                              assets: [UniverseAsset(ticker: "BAD", name: "BAD", group: "g"), UniverseAsset(ticker: "OK", name: "OK", group: "g")])])
        let loaded = UniverseLoader.load(universe, dataDirectory: data)
        XCTAssertEqual(loaded.assets[0].status, .missing)
        XCTAssertTrue(loaded.assets[0].error!.description.contains("BAD.csv line 1: missing column high"))
        XCTAssertEqual(loaded.assets[1].status, .ok)
    }

    func testRealSampleLoadsCompletely() throws {
        let real = try SharedData.folder("real")
        let loaded = UniverseLoader.load(try Universe.load(real.appendingPathComponent("universe.yaml")), dataDirectory: real)
        XCTAssertEqual(loaded.assets.count, 213)
        XCTAssertEqual(loaded.statusCounts[.ok], 213)
        XCTAssertTrue(loaded.assets.allSatisfy { $0.error == nil })
        // CL_F: WTI's negative settlement rows are dropped as non-positive and become gaps.
        let oil = loaded.assets.first { $0.asset.ticker == "CL_F" }!
        XCTAssertEqual(oil.report?.droppedByReason[.nonPositive], 2)
        XCTAssertTrue(oil.gapDates.contains(CivilDate.parseISO("2020-04-20")!))
    }
}
