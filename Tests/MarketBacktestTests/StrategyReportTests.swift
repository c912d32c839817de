// The strategy report: pooled and per-category books, buy-and-hold of every signalled asset, costs, trials and the verdict.
import XCTest
import MarketData
@testable import MarketBacktest

final class StrategyReportTests: XCTestCase {
    func record(_ day: Int, _ ticker: String, _ category: String, _ action: SignalAction) -> SignalRecord {
        var r = Fixture.signal(day, ticker, action)
        r.category = category
        return r
    }

    func testBooksBuyAndHoldCostsAndVerdict() throws {
        // A0 (stocks) rises 1 %/day; A1 (crypto) falls 1 %/day; A2 (crypto) flat. BUY A0 and A1 on day 0 only.
        let rising = (0..<8).map { Fixture.bar(100 * pow(1.01, Double($0)), 100 * pow(1.01, Double($0 + 1))) }
        let falling = (0..<8).map { Fixture.bar(100 * pow(0.99, Double($0)), 100 * pow(0.99, Double($0 + 1))) }
        let flat = (0..<8).map { _ in Fixture.bar(10, 10) }
        let prices = Fixture.prices([rising, falling, flat])
        let records = (0..<7).flatMap { d in
            [record(d, "A0", "stocks", d == 0 ? .buy : .hold), record(d, "A1", "crypto", d == 0 ? .buy : .hold),
             record(d, "A2", "crypto", .hold)]
        }
        var configuration = BacktestConfiguration()
        configuration.commission = 0.001
        let report = try StrategyReport.run(records: records, prices: prices, configuration: configuration, trials: 70)
        XCTAssertEqual(report.categories.map(\.name), ["crypto", "stocks"])
        XCTAssertEqual(report.pooled.trials, 140, "pooled trials = per-category trials × categories")
        XCTAssertEqual(report.categories[0].trials, 70)
        // Buy-and-hold of crypto = every signalled asset (A1 and A2, A2 never traded), half each, no costs.
        let crypto = report.categories[0]
        let last = crypto.buyAndHold.count - 1
        let holdValue: Double = 5_000 * pow(0.99, 6.0) + 5_000
        XCTAssertEqual(crypto.buyAndHold[last], holdValue, accuracy: 1e-6)
        // Costs: the commission of every fill of the book's trades.
        // One round trip of A1, the book's only position: equal weight buys (10,000 − 0.1 % estimated cost) = 9,990 at
        // day 1's open 99 (commission 9.99) and sells those shares at the last close 100 · 0.99⁷ (commission 0.1 %).
        XCTAssertEqual(crypto.metrics.numTrades, 1)
        let exitValue: Double = 9_990.0 / 99 * 100 * pow(0.99, 7.0)
        let commission: Double = 0.001 * 9_990 + 0.001 * exitValue
        XCTAssertEqual(crypto.commissionPaid, commission, accuracy: 1e-9)
        XCTAssertEqual(crypto.borrowPaid, 0)
        // 7 days cannot make an edge significant; stocks beat its buy-and-hold? No: costs make it slightly worse.
        XCTAssertTrue(report.pooled.verdict.hasPrefix("The edge is not significant"), report.pooled.verdict)
        XCTAssertTrue(report.categories[1].verdict.contains("buy-and-hold did better"), report.categories[1].verdict)
        let json = report.jsonObject
        XCTAssertNotNil((json["categories"] as? [String: Any])?["crypto"])
        XCTAssertTrue(report.markdown.contains("| pooled |"), report.markdown)
        XCTAssertNotNil(report.pooled.classification)
    }
}
