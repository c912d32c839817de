// fetch against a local provider server: incremental requests, retries, and every fault leaving the file unchanged.
import Foundation
import MarketData
@testable import MarketOps
import XCTest
import MarketSupport

final class FetchTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data/us_stocks"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    static let existing = """
        Date,Open,High,Low,Close,Volume
        2026-11-23,10,11,9.5,10.5,1000
        2026-11-24,10.5,11.5,10,11,1200
        2026-11-25,11,11.2,10.8,11.1,900

        """
    /// The file's three days as the provider sends them (same adjusted closes).
    static let past: [ProviderFixtures.Bar] = [.init("2026-11-23", 10, 11, 9.5, 10.5), .init("2026-11-24", 10.5, 11.5, 10, 11),
                                               .init("2026-11-25", 11, 11.2, 10.8, 11.1)]

    func universe(_ tickers: [String]) throws -> Universe {
        let yaml = """
            name: test
            categories:
              - name: us_stocks
                batch_weight: 1.0
                trading_days_per_year: 252
                history_years: 1
                assets:
            \(tickers.map { "      - {ticker: \"\($0)\", name: \"\($0)\", group: \"g\"}" }.joined(separator: "\n"))

            """
        let url = folder.appendingPathComponent("universe.yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return try Universe.load(url)
    }

    func file(_ ticker: String) -> URL { folder.appendingPathComponent("data/us_stocks/\(ticker).csv") }

    func settings(_ server: FixtureServer, provider: PriceProvider = .yahoo) -> FetchSettings {
        var s = FetchSettings()
        s.provider = provider
        s.baseURL = server.baseURL
        s.retryBaseMilliseconds = 10
        s.timeoutSeconds = 2
        s.ratePerSecond = 1000
        s.retries = 3
        return s
    }

    func run(_ settings: FetchSettings, _ universe: Universe, today: String = "2026-11-27") throws -> FetchReport {
        let targets = FetchTarget.targets(of: universe, dataDirectory: folder.appendingPathComponent("data"),
                                          from: CivilDate.parseISO("2026-11-01"), today: CivilDate.parseISO(today)!)
        let fetcher = PriceFetcher(settings: settings)
        return try AsyncBridge.wait {
            let report = await fetcher.run(targets, today: CivilDate.parseISO(today)!)
            await fetcher.shutdown()
            return report
        }
    }

    func testYahooFixturesEveryCaseReportedPerAssetAndFaultyFilesUnchanged() throws {
        let tickers = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ", "KKK", "LLL", "MMM"]
        for ticker in tickers where ticker != "GGG" { try Self.existing.write(to: file(ticker), atomically: true, encoding: .utf8) }
        let fresh: [ProviderFixtures.Bar] = [.init("2026-11-26", nil, nil, nil, nil, adj: nil, volume: nil),   // holiday: nulls
                                             .init("2026-11-27", 11.1, 11.6, 11.0, 11.5, adj: 11.4, volume: 1500)]
        let calls = CallCounter()
        let server = try FixtureServer { request in
            let ticker = String(request.uri.dropFirst("/v8/finance/chart/".count).prefix { $0 != "?" })
            let n = calls.next(ticker)
            switch ticker {
            case "AAA": return .text(ProviderFixtures.yahoo(ticker, Self.past + fresh))
            case "BBB": return n == 1 ? .text("slow down", status: .tooManyRequests, contentType: "text/plain")
                                      : .text(ProviderFixtures.yahoo(ticker, Self.past + fresh))
            case "CCC":
                var r = FixtureResponse.text(ProviderFixtures.yahoo(ticker, Self.past + fresh))
                let full = r.body
                r.body = Array(full.prefix(full.count / 2))   // a cut JSON body, correctly framed
                return r
            case "DDD":   // a 2:1 split: the provider's past is halved
                let split = Self.past.map { b in ProviderFixtures.Bar(b.date, b.open! / 2, b.high! / 2, b.low! / 2, b.close! / 2) }
                return .text(ProviderFixtures.yahoo(ticker, split + [.init("2026-11-27", 5.6, 5.8, 5.5, 5.7)]))
            case "EEE": return .text(ProviderFixtures.yahoo(ticker, []))
            case "FFF": return .text("<html><body>Service Unavailable</body></html>", contentType: "text/html")
            case "GGG": return .text(ProviderFixtures.yahoo(ticker, Self.past + fresh))
            case "HHH": return .text(ProviderFixtures.yahoo(ticker, Self.past + [fresh[1], fresh[1]]))
            case "III": return .text(ProviderFixtures.yahoo(ticker, Self.past + [.init("2026-11-27", 11, 11.5, 0, 11.2)]))
            case "JJJ": return .text(ProviderFixtures.yahoo(ticker, [Self.past[0], Self.past[2], Self.past[1]] + [fresh[1]]))
            case "KKK": return .text("oops", status: .internalServerError, contentType: "text/plain")
            case "MMM":   // Content-Length announced, half the bytes sent, connection closed
                var r = FixtureResponse.text(ProviderFixtures.yahoo(ticker, Self.past + fresh))
                r.truncateAfter = r.body.count / 2
                return r
            default: return .text(ProviderFixtures.yahooNotFound, status: .notFound)
            }
        }
        defer { server.shutdown() }
        let report = try run(settings(server), try universe(tickers))
        let by = Dictionary(uniqueKeysWithValues: report.assets.map { ($0.ticker, $0) })

        // AAA: one new day appended (the null holiday skipped and counted), adjusted by adjclose/close.
        XCTAssertEqual(by["AAA"]?.status, .updated)
        XCTAssertEqual(by["AAA"]?.newRows, 1)
        XCTAssertEqual(by["AAA"]?.nullRows, 1)
        XCTAssertEqual(by["AAA"]?.lastDate, "2026-11-27")
        let aaa = try String(contentsOf: file("AAA"), encoding: .utf8)
        XCTAssertEqual(aaa, Self.existing + "2026-11-27,11.003478,11.49913,10.904348,11.4,1500\n")
        XCTAssertEqual(try OHLCVCSV.load(file("AAA")).series.count, 4)
        // Incremental: period1 is overlap_days before the file's last date, period2 the day after today.
        let aaaRequest = try XCTUnwrap(server.requests.first { $0.uri.hasPrefix("/v8/finance/chart/AAA?") })
        let last = Int64(CivilDate.parseISO("2026-11-25")!)
        XCTAssertTrue(aaaRequest.uri.contains("period1=\((last - 10) * 86_400)&period2=\((last + 3) * 86_400)&interval=1d"), aaaRequest.uri)
        // BBB: 429 then 200 → updated after 2 attempts.
        XCTAssertEqual(by["BBB"]?.status, .updated)
        XCTAssertEqual(by["BBB"]?.attempts, 2)
        // Faults: failed or history_changed, each file byte-identical to before.
        for (ticker, status, words) in [("CCC", FetchStatus.failed, "not JSON"), ("DDD", .historyChanged, "history changed"),
                                        ("FFF", .failed, "not JSON"), ("HHH", .failed, "twice"), ("III", .failed, "≤ 0"),
                                        ("JJJ", .failed, "out of order"), ("KKK", .failed, "HTTP 500"), ("LLL", .failed, "HTTP 404"),
                                        ("MMM", .failed, "attempts")] {
            XCTAssertEqual(by[ticker]?.status, status, ticker)
            XCTAssertTrue(by[ticker]?.detail?.contains(words) ?? false, "\(ticker): \(by[ticker]?.detail ?? "nil")")
            XCTAssertEqual(try String(contentsOf: file(ticker), encoding: .utf8), Self.existing, ticker)
        }
        XCTAssertTrue(by["LLL"]?.detail?.contains("No data found") ?? false)
        XCTAssertEqual(by["KKK"]?.attempts, 4)   // 1 + 3 retries on 5xx
        XCTAssertEqual(by["LLL"]?.attempts, 1)   // 404: no retry
        XCTAssertEqual(by["EEE"]?.status, .upToDate)
        // GGG had no file: created from --from with the header of a new file.
        XCTAssertEqual(by["GGG"]?.status, .created)
        XCTAssertEqual(by["GGG"]?.newRows, 4)
        XCTAssertTrue(try String(contentsOf: file("GGG"), encoding: .utf8).hasPrefix("Date,Open,High,Low,Close,Volume\n2026-11-23,"))
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.requests, report.assets.reduce(0) { $0 + $1.attempts })
        // No temp files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data/us_stocks").path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
        // The table lists faults first and a total line.
        XCTAssertTrue(report.table().contains("history_changed"))
        // A second run asks again and appends nothing twice.
        let again = try run(settings(server), try universe(["AAA"]))
        XCTAssertEqual(again.assets[0].status, .upToDate)
        XCTAssertEqual(try String(contentsOf: file("AAA"), encoding: .utf8), aaa)
    }

    func testTimeoutIsRetriedThenFails() throws {
        try Self.existing.write(to: file("SLOW"), atomically: true, encoding: .utf8)
        let server = try FixtureServer { _ in
            var r = FixtureResponse.text(ProviderFixtures.yahoo("SLOW", Self.past))
            r.delay = .milliseconds(1500)
            return r
        }
        defer { server.shutdown() }
        var s = settings(server)
        s.timeoutSeconds = 0.3
        s.retries = 1
        let started = Date()
        let report = try run(s, try universe(["SLOW"]))
        XCTAssertEqual(report.assets[0].status, .failed)
        XCTAssertEqual(report.assets[0].attempts, 2)
        XCTAssertTrue(report.assets[0].detail?.contains("time-out") ?? false, report.assets[0].detail ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
        XCTAssertEqual(try String(contentsOf: file("SLOW"), encoding: .utf8), Self.existing)
    }

    func testStooqCSVAppendsAndUsesStooqSymbols() throws {
        try Self.existing.write(to: file("AAPL"), atomically: true, encoding: .utf8)
        let server = try FixtureServer { request in
            guard request.uri == "/q/d/l/?s=aapl.us&i=d" else { return .text("No data", contentType: "text/plain") }
            return .text(ProviderFixtures.stooq(Self.past + [.init("2026-11-27", 11.1, 11.6, 11.0, 11.5, volume: 1500)]), contentType: "text/csv")
        }
        defer { server.shutdown() }
        let report = try run(settings(server, provider: .stooq), try universe(["AAPL", "ZZZZ"]))
        XCTAssertEqual(report.assets[0].status, .updated, report.assets[0].detail ?? "")
        XCTAssertEqual(report.assets[0].newRows, 1)
        XCTAssertTrue(try String(contentsOf: file("AAPL"), encoding: .utf8).hasSuffix("2026-11-27,11.1,11.6,11,11.5,1500\n"))
        XCTAssertEqual(report.assets[1].status, .failed)   // "No data" for a new file: nothing to create
    }

    func testRateLimitSpacesRequests() throws {
        let tickers = (0..<6).map { "R\($0)" }
        let server = try FixtureServer { _ in .text(ProviderFixtures.yahoo("R", Self.past)) }
        defer { server.shutdown() }
        var s = settings(server)
        s.ratePerSecond = 20   // 6 requests → at least 5 × 50 ms
        s.concurrency = 6
        let report = try run(s, try universe(tickers))
        XCTAssertGreaterThanOrEqual(report.seconds, 0.24)
        XCTAssertEqual(report.assets.filter { $0.status == .created }.count, 6)
    }
}

/// Counts calls per key (thread-safe).
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func next(_ key: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        counts[key, default: 0] += 1
        return counts[key]!
    }
}
