// End-to-end `marketgpt backtest` on a tiny fixture: the four output files, their columns, and one-line errors.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import MarketTestSupport

final class BacktestCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-cli-\(UUID().uuidString)")
        let data = folder.appendingPathComponent("data/us_stocks")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("signals"), withIntermediateDirectories: true)
        // Two assets, 30 weekdays of gently trending prices.
        var day = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                                 year: 2024, month: 1, day: 1).date!
        var rows: [String] = [], dates: [String] = []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        while dates.count < 30 {
            let weekday = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: day).weekday!
            if weekday != 1 && weekday != 7 { dates.append(formatter.string(from: day)) }
            day += 86_400
        }
        for (ticker, drift) in [("AAA", 0.01), ("BBB", -0.005)] {
            rows = ["Date,Open,High,Low,Close,Volume"]
            var price = 100.0
            for (i, date) in dates.enumerated() {
                let open = price, close = price * (1 + drift + (i % 3 == 0 ? -0.004 : 0.002))
                rows.append("\(date),\(open),\(max(open, close) * 1.01),\(min(open, close) * 0.99),\(close),1000")
                price = close
            }
            try rows.joined(separator: "\n").write(to: data.appendingPathComponent("\(ticker).csv"), atomically: true, encoding: .utf8)
        }
        // Nightly files: BUY AAA, SELL BBB at the start; HOLD afterwards; a flip of AAA on day 20.
        for (i, date) in dates.enumerated() where i < 25 {
            let aaa = i == 0 ? "BUY" : i == 20 ? "SELL" : "HOLD", bbb = i == 0 ? "SELL" : "HOLD"
            try "date,ticker,category,signal,confidence\n\(date),AAA,us_stocks,\(aaa),0.8\n\(date),BBB,us_stocks,\(bbb),0.8\n"
                .write(to: folder.appendingPathComponent("signals/\(date).csv"), atomically: true, encoding: .utf8)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testWritesTheFourFiles() throws {
        let out = folder.appendingPathComponent("out")
        let result = try CLIRunner.run(["backtest", "--signals", folder.appendingPathComponent("signals").path,
                                        "--data", folder.appendingPathComponent("data").path, "--out", out.path,
                                        "--mode", "long_short", "--slippage-bps", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Sharpe"), result.stdout)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
        for key in ["total_return", "cagr", "sharpe", "sortino", "calmar", "max_drawdown", "win_rate", "num_trades",
                    "exposure", "turnover", "benchmark_total_return", "benchmark_sharpe", "probabilistic_sharpe", "deflated_sharpe"] {
            XCTAssertNotNil(metrics[key], key)
        }
        XCTAssertEqual(metrics["num_trades"] as? Int, 3)   // AAA long, BBB short, AAA short after the flip
        let maxDrawdown = try XCTUnwrap(metrics["max_drawdown"] as? Double)
        XCTAssertGreaterThanOrEqual(maxDrawdown, 0)
        let equity = try String(contentsOf: out.appendingPathComponent("equity.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(equity.first, "date,equity,benchmark")
        XCTAssertEqual(equity.count, 1 + 25)
        XCTAssertTrue(equity[1].hasPrefix("2024-01-01,10000,10000"), String(equity[1]))
        let trades = try String(contentsOf: out.appendingPathComponent("trades.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(trades.count, 1 + 3)
        XCTAssertTrue(trades[1].hasPrefix("AAA,long,2024-01-02,"), String(trades[1]))
        let svg = try Data(contentsOf: out.appendingPathComponent("equity.svg"))
        let parser = XMLParser(data: svg)
        XCTAssertTrue(parser.parse(), "equity.svg is not well-formed XML")
        let text = String(decoding: svg, as: UTF8.self)
        XCTAssertTrue(text.contains("drawdown") && text.contains("equal-weight buy &amp; hold"))
    }

    func testBadSignalFileFailsWithFileAndLine() throws {
        let bad = folder.appendingPathComponent("signals/2024-01-03.csv")
        try "date,ticker,signal\n2024-01-03,AAA,MAYBE\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["backtest", "--signals", folder.appendingPathComponent("signals").path,
                                        "--data", folder.appendingPathComponent("data").path,
                                        "--out", folder.appendingPathComponent("out").path])
        XCTAssertNotEqual(result.status, 0)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertTrue(message.contains("2024-01-03.csv line 2"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    func testSignalOutsideThePricesStopsUnlessAllowed() throws {
        try "date,ticker,signal\n1900-01-01,AAA,BUY\n".write(to: folder.appendingPathComponent("signals/1900-01-01.csv"),
                                                          atomically: true, encoding: .utf8)
        let arguments = ["backtest", "--signals", folder.appendingPathComponent("signals").path,
                         "--data", folder.appendingPathComponent("data").path, "--out", folder.appendingPathComponent("out").path]
        let refused = try CLIRunner.run(arguments)
        XCTAssertNotEqual(refused.status, 0)
        let message = refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertTrue(message.contains("AAA 1900-01-01") && message.contains("--allow out-of-range"), message)
        let allowed = try CLIRunner.run(arguments + ["--allow", "out-of-range"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(allowed.stderr.contains("dropped 1 signal row(s) dated outside"), allowed.stderr)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("out/metrics.json"))) as? [String: Any])
        XCTAssertEqual(metrics["start_date"] as? String, "2024-01-01")
    }

    func testNoPricesFailsClearly() throws {
        let result = try CLIRunner.run(["backtest", "--signals", folder.appendingPathComponent("signals").path,
                                        "--data", folder.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no price file"), result.stderr)
    }

    func testBadOptionIsRejected() throws {
        let result = try CLIRunner.run(["backtest", "--signals", "s", "--data", "d", "--out", "o", "--mode", "sideways"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("long_only or long_short"), result.stderr)
    }
}
