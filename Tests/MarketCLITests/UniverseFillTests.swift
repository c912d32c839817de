// End-to-end: `marketgpt universe` fills gaps, back-fills and synthesises a missing asset from a named peer.
import Foundation
import XCTest
import MarketTestSupport

final class UniverseFillTests: XCTestCase {
    func testMissingAssetIsSynthesisedFromAPeerAndCounted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("universe-fill-\(UUID().uuidString)")
        let category = folder.appendingPathComponent("us_stocks")
        try FileManager.default.createDirectory(at: category, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two real assets on weekdays from 2015-01-05; REAL2 misses 5 days in the middle.
        var state: UInt64 = 99
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let calendar = Calendar(identifier: .gregorian)
        var days: [Date] = []
        var day = DateComponents(calendar: calendar, timeZone: TimeZone(identifier: "UTC"), year: 2015, month: 1, day: 5).date!
        while days.count < 700 {
            let weekday = calendar.dateComponents(in: TimeZone(identifier: "UTC")!, from: day).weekday!
            if weekday != 1 && weekday != 7 { days.append(day) }
            day = day.addingTimeInterval(86400)
        }
        for ticker in ["REAL1", "REAL2"] {
            var text = "Date,Open,High,Low,Close,Volume\n", close = 50.0
            for (i, date) in days.enumerated() where !(ticker == "REAL2" && (300..<305).contains(i)) {
                let next = close * exp(0.02 * (uniform() - 0.5))
                let stamp = ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
                text += "\(stamp),\(close),\(max(close, next) * 1.005),\(min(close, next) * 0.995),\(next),\(1000 + i)\n"
                close = next
            }
            try text.write(to: category.appendingPathComponent("\(ticker).csv"), atomically: true, encoding: .utf8)
        }
        let yaml = folder.appendingPathComponent("u.yaml")
        try """
        categories:
          - name: us_stocks
            batch_weight: 1.0
            trading_days_per_year: 252
            history_years: 3
            assets:
              - {ticker: "REAL1", name: "Real one", group: "tech"}
              - {ticker: "REAL2", name: "Real two", group: "tech"}
              - {ticker: "GHOST", name: "No file", group: "tech"}
        """.write(to: yaml, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["universe", "--universe", yaml.path, "--data", folder.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("GHOST: no data") && result.stderr.contains("from peer REAL"), result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let assets = Dictionary(uniqueKeysWithValues: (object["assets"] as! [[String: Any]]).map { ($0["ticker"] as! String, $0) })
        XCTAssertEqual(assets["GHOST"]?["status"] as? String, "filled")
        XCTAssertGreaterThan(assets["GHOST"]?["filled_bars"] as? Int ?? 0, 700)
        XCTAssertEqual(assets["REAL2"]?["status"] as? String, "filled")
        XCTAssertEqual(assets["REAL2"]?["filled_bars"] as? Int,
                       (assets["REAL2"]?["gaps"] as? Int ?? -1) + (assets["REAL2"]?["shortfall_days"] as? Int ?? -1))
        XCTAssertEqual(assets["REAL2"]?["gaps"] as? Int, 5)
    }
}
