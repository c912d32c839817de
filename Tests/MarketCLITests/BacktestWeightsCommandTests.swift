// End-to-end `marketgpt backtest --weights`: a folder of weights/<date>.csv traded like signals, and the signal classification.
import Foundation
import XCTest
import MarketTestSupport

final class BacktestWeightsCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-weights-\(UUID().uuidString)")
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("weights"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("signals"), withIntermediateDirectories: true)
        // 10 consecutive days: AAA rises 1 %/day from 100, BBB is flat at 50.
        var aaa = ["Date,Open,High,Low,Close,Volume"], bbb = aaa
        for d in 0..<10 {
            let date = String(format: "2024-01-%02d", d + 1)
            let open = 100 * pow(1.01, Double(d)), close = open * 1.01
            aaa.append("\(date),\(open),\(close),\(open),\(close),1000")
            bbb.append("\(date),50,50,50,50,1000")
        }
        try aaa.joined(separator: "\n").write(to: data.appendingPathComponent("AAA.csv"), atomically: true, encoding: .utf8)
        try bbb.joined(separator: "\n").write(to: data.appendingPathComponent("BBB.csv"), atomically: true, encoding: .utf8)
        try "date,ticker,weight\n2024-01-01,AAA,0.5\n2024-01-01,BBB,0.25\n"
            .write(to: folder.appendingPathComponent("weights/2024-01-01.csv"), atomically: true, encoding: .utf8)
        try "date,ticker,weight\n2024-01-05,AAA,0\n"
            .write(to: folder.appendingPathComponent("weights/2024-01-05.csv"), atomically: true, encoding: .utf8)
        var signals = "date,ticker,signal\n"
        for d in 1...9 { signals += String(format: "2024-01-%02d,AAA,%@\n2024-01-%02d,BBB,HOLD\n", d, d % 2 == 0 ? "BUY" : "HOLD", d) }
        try signals.write(to: folder.appendingPathComponent("signals/all.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Hand P&L without costs: 5,000 in AAA at day 2's open (101) sold at day 6's open (100·1.01⁵); BBB flat.
    func testWeightsFolderTradesAtNextOpen() throws {
        let out = folder.appendingPathComponent("out")
        let result = try CLIRunner.run(["backtest", "--weights", folder.appendingPathComponent("weights").path,
                                        "--data", folder.appendingPathComponent("data").path, "--out", out.path,
                                        "--commission", "0", "--end", "2024-01-10"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
        let expected = 10_000 + 5_000 / 101 * (100 * pow(1.01, 5.0) - 101)
        XCTAssertEqual(try XCTUnwrap(metrics["final_equity"] as? Double), expected, accuracy: 1e-6)
        XCTAssertEqual(metrics["num_trades"] as? Int, 2)
        XCTAssertNil(metrics["classification"], "weights have no signal classes")
        let trades = try String(contentsOf: out.appendingPathComponent("trades.csv"), encoding: .utf8)
        XCTAssertTrue(trades.contains("AAA,long,2024-01-02,101,2024-01-06,"), trades)
    }

    /// A signal backtest writes the classification block; realised AAA days are all > τ = 0.5 % (long).
    func testSignalBacktestWritesClassification() throws {
        let out = folder.appendingPathComponent("out")
        let result = try CLIRunner.run(["backtest", "--signals", folder.appendingPathComponent("signals/all.csv").path,
                                        "--data", folder.appendingPathComponent("data").path, "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("macro-F1"), result.stdout)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
        let classification = try XCTUnwrap(metrics["classification"] as? [String: Any])
        // AAA: days 1…9 labelled long (+1 %), BUY on 4 of them; BBB: 9 hold, all HOLD.
        XCTAssertEqual(classification["confusion"] as? [[Int]], [[0, 0, 0], [0, 9, 0], [0, 5, 4]])
        XCTAssertEqual(classification["unlabelled"] as? Int, 0)
        XCTAssertEqual(try XCTUnwrap(classification["accuracy"] as? Double), 13.0 / 18, accuracy: 1e-12)
    }

    func testBothOrNeitherInputIsRejected() throws {
        let result = try CLIRunner.run(["backtest", "--data", "x", "--out", "y"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--signals FILE|DIR or --weights"), result.stderr)
    }
}
