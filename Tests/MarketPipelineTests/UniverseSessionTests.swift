// The universe session: its "as of D" views equal a fresh load of the folder as of D (series, calendars, gaps,
// fills, signal inputs), and bars after D — even garbage — cannot change them.
import XCTest
import MarketData
import MarketPipeline
import MarketSignals
import MarketSupport
import MarketSynthetic
import MarketTestSupport

final class UniverseSessionTests: XCTestCase {
    /// A small demo universe with its defects (gaps, a short history, a missing file), written to a folder.
    private func demo() throws -> (Universe, URL, DayNumber) {
        let folder = try temporaryDirectory(self, prefix: "session")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        try generator.write(to: folder)
        return (universe, folder, generator.endDate)
    }

    private func assertSame(_ a: LoadedUniverse, _ b: LoadedUniverse, _ message: String) {
        XCTAssertEqual(a.calendars, b.calendars, message)
        XCTAssertEqual(a.groupCalendars, b.groupCalendars, message)
        XCTAssertEqual(a.categoryEnd, b.categoryEnd, message)
        XCTAssertEqual(a.historyStart, b.historyStart, message)
        for (x, y) in zip(a.assets, b.assets) {
            XCTAssertEqual(x.real?.dates, y.real?.dates, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.real?.close, y.real?.close, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.series?.close, y.series?.close, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.series?.isSynthetic, y.series?.isSynthetic, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.gapDates, y.gapDates, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.shortfallDates, y.shortfallDates, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.staleDates, y.staleDates, "\(message) \(x.asset.ticker)")
            XCTAssertEqual(x.error == nil, y.error == nil, "\(message) \(x.asset.ticker)")
        }
    }

    func testAsOfViewsEqualAFreshLoadAsOfThatDay() throws {
        let (universe, folder, end) = try demo()
        let session = UniverseSession(definition: universe, dataDirectory: folder)
        for asOf in [end - 400, end - 17, end - 1, end] {
            let fresh = UniverseLoader.load(universe, dataDirectory: folder, options: UniverseLoadOptions(asOf: asOf))
            assertSame(session.loaded(asOf: asOf), fresh, "as of \(CivilDate.isoString(asOf))")
            let options = GapFillOptions(seed: 9, synthesizeMissing: false)
            assertSame(session.filled(asOf: asOf, options: options).universe, GapFiller.fill(fresh, options: options).universe,
                       "filled as of \(CivilDate.isoString(asOf))")
        }
        assertSame(session.loaded(), UniverseLoader.load(universe, dataDirectory: folder), "everything")
    }

    /// The canary: every row after D replaced by garbage in the files → the same signal inputs as of D.
    func testBarsAfterTheDateCannotChangeTheViewOfThatDate() throws {
        let (universe, folder, end) = try demo()
        let date = end - 30
        let clean = UniverseSession(definition: universe, dataDirectory: folder).signalAssets(asOf: date, gapFill: true, seed: 1)
        var replaced = 0
        for file in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL })
        where file.pathExtension == "csv" {
            let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let poisoned = rows.map { row -> String in
                guard let day = row.split(separator: ",").first.flatMap({ CivilDate.parseISO(String($0)) }), day > date else { return String(row) }
                replaced += 1
                return "\(CivilDate.isoString(day)),1e9,3,-7,NaN,garbage"
            }
            try poisoned.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        XCTAssertGreaterThan(replaced, 100)
        let after = UniverseSession(definition: universe, dataDirectory: folder).signalAssets(asOf: date, gapFill: true, seed: 1)
        XCTAssertEqual(clean.count, after.count)
        for (a, b) in zip(clean, after) {
            XCTAssertEqual(a.series?.dates, b.series?.dates, a.ticker)
            XCTAssertEqual(a.series?.close, b.series?.close, a.ticker)
            XCTAssertEqual(a.series?.open, b.series?.open, a.ticker)
            XCTAssertEqual(a.series?.volume, b.series?.volume, a.ticker)
            XCTAssertEqual(a.series?.isSynthetic, b.series?.isSynthetic, a.ticker)
        }
    }

    func testOpenNamesTheMissingFolderAndTheBadUniverse() throws {
        let folder = try temporaryDirectory(self, prefix: "session-open")
        let universeFile = folder.appendingPathComponent("u.yaml")
        try EmbeddedDemoUniverse.yaml.write(to: universeFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try UniverseSession.open(universe: universeFile, data: folder.appendingPathComponent("nope"))) {
            XCTAssertTrue("\($0)".hasSuffix("nope: data folder not found"), "\($0)")
        }
        try "categories: 3".write(to: universeFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try UniverseSession.open(universe: universeFile, data: folder)) {
            XCTAssertTrue("\($0)".contains("u.yaml line 1: categories: expected a list"), "\($0)")
        }
    }

    /// A folder in a vendor's layout (a title line before the header, day-month-year dates) opened with those CSV
    /// options reads exactly the rows the standard layout gives — the path `marketgpt universe --skip-lines …` takes.
    func testOpenReadsAVendorLayoutWithItsCSVOptions() throws {
        let (universe, folder, end) = try demo()
        let universeFile = folder.appendingPathComponent("u.yaml")
        try EmbeddedDemoUniverse.yaml.write(to: universeFile, atomically: true, encoding: .utf8)
        let standard = try UniverseSession.open(universe: universeFile, data: folder, readUpTo: end - 10)
        let vendor = try temporaryDirectory(self, prefix: "session-vendor")
        var rewritten = 0
        for file in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL })
        where file.pathExtension == "csv" {
            let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let dmy = rows.map { row -> String in
                var fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard let day = fields.first.flatMap(CivilDate.parseISO) else { return String(row) }
                let d = CivilDate.civil(day)
                fields[0] = String(format: "%02d/%02d/%04d", d.day, d.month, d.year)
                rewritten += 1
                return fields.joined(separator: ",")
            }
            let relative = String(file.path.dropFirst(folder.path.count))
            let target = URL(fileURLWithPath: vendor.path + relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (["Vendor export — daily bars"] + dmy).joined(separator: "\n").write(to: target, atomically: true, encoding: .utf8)
        }
        XCTAssertGreaterThan(rewritten, 1000)
        let read = try UniverseSession.open(universe: universeFile, data: vendor, readUpTo: end - 10,
                                            csv: CSVOptions(dateOrder: .dmy, skipLines: 1))
        assertSame(read.loaded(), standard.loaded(), "vendor layout")
        assertSame(read.filled().universe, standard.filled().universe, "vendor layout, filled")
        XCTAssertEqual(read.loaded().assets.compactMap(\.real).count, standard.loaded().assets.compactMap(\.real).count)
        // Without the options the same folder does not read as the standard one (the test can fail).
        let plain = try UniverseSession.open(universe: universeFile, data: vendor, readUpTo: end - 10)
        XCTAssertNotEqual(plain.loaded().assets.compactMap(\.real).count, standard.loaded().assets.compactMap(\.real).count)
    }
}
