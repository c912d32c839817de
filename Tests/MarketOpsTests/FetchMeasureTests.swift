// The 615-asset fetch measure of README "Performance" (runs only with MARKETGPT_MEASURE=1; prints its figures).
import Foundation
import MarketData
@testable import MarketOps
import XCTest
import MarketSupport

final class FetchMeasureTests: XCTestCase {
    /// universes/global.yaml (615 assets), each file holding 2026-11-02…2026-11-25; the fixture server sends the
    /// overlap and one new day (2026-11-26) for every ticker in Yahoo's chart JSON.
    func testFetch615AssetsOneNewDayEach() throws {
        guard let setting = ProcessInfo.processInfo.environment["MARKETGPT_MEASURE"] else { throw XCTSkip("set MARKETGPT_MEASURE=1") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let universe = try Universe.load(root.appendingPathComponent("universes/global.yaml"))
        XCTAssertEqual(universe.assetCount, 615)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fetch615-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        let days = (0..<24).map { CivilDate.isoString(CivilDate.parseISO("2026-11-02")! + DayNumber($0)) }
        let bars = days.enumerated().map { k, day in ProviderFixtures.Bar(day, 100 + Double(k), 101 + Double(k), 99 + Double(k), 100.5 + Double(k)) }
        var csv = "Date,Open,High,Low,Close,Volume\n"
        for b in bars { csv += "\(b.date),\(BarMerge.format(b.open!)),\(BarMerge.format(b.high!)),\(BarMerge.format(b.low!)),\(BarMerge.format(b.close!)),1000\n" }
        for target in FetchTarget.targets(of: universe, dataDirectory: data, from: nil, today: CivilDate.parseISO("2026-11-26")!) {
            try FileManager.default.createDirectory(at: target.file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try csv.write(to: target.file, atomically: true, encoding: .utf8)
        }
        let body = ProviderFixtures.yahoo("X", Array(bars.suffix(11)) + [.init("2026-11-26", 124, 125, 123, 124.5)])
        let server = try FixtureServer { _ in .text(body) }
        defer { server.shutdown() }
        var settings = FetchSettings()
        settings.baseURL = server.baseURL
        settings.concurrency = Int(setting) ?? 8
        settings.ratePerSecond = 10_000
        let targets = FetchTarget.targets(of: universe, dataDirectory: data, from: nil, today: CivilDate.parseISO("2026-11-26")!)
        let fetcher = PriceFetcher(settings: settings)
        let report = try AsyncBridge.wait {
            let report = await fetcher.run(targets, today: CivilDate.parseISO("2026-11-26")!)
            await fetcher.shutdown()
            return report
        }
        XCTAssertEqual(report.counts["updated"], 615, report.table())
        print(String(format: "fetch measure: 615 assets, concurrency %d: %.2f s, %d requests, %.0f req/s", settings.concurrency,
                     report.seconds, report.requests, report.requestsPerSecond))
    }
}
