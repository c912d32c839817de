// End-to-end checks of `marketgpt synth`: CSVs + report, ZIP output, determinism and clear input errors.
import Foundation
import XCTest
import MarketTestSupport

final class SynthCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synth-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A 600-day random-walk CSV with volatility regimes (deterministic LCG).
    private func writeSource() throws -> URL {
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "Date,Open,High,Low,Close,Volume\n", close = 100.0
        var day = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                                 year: 2010, month: 1, day: 4).date!
        for t in 0..<600 {
            let sigma = (t / 50) % 2 == 0 ? 0.01 : 0.03
            let r = sigma * (uniform() + uniform() + uniform() - 1.5) * 2
            let open = close * (1 + 0.002 * (uniform() - 0.5))
            let next = close * exp(r)
            let high = max(open, next) * (1 + 0.01 * uniform()), low = min(open, next) * (1 - 0.01 * uniform())
            let stamp = ISO8601DateFormatter.string(from: day, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            text += "\(stamp),\(open),\(high),\(low),\(next),\(Int(1000 + 500 * uniform()))\n"
            close = next
            day = day.addingTimeInterval(86400 * (t % 5 == 4 ? 3 : 1))
        }
        let url = folder.appendingPathComponent("SRC.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testWritesSeriesAndReportDeterministically() throws {
        let source = try writeSource()
        let arguments = ["synth", "--input", source.path, "--count", "3", "--min-fidelity", "60", "--length", "300",
                         "--seed", "5"]
        let first = try CLIRunner.run(arguments + ["--out", folder.appendingPathComponent("a").path])
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CLIRunner.run(arguments + ["--out", folder.appendingPathComponent("b").path, "--threads", "1"])
        XCTAssertEqual(second.status, 0, second.stderr)
        for i in 0..<3 {
            let a = try String(contentsOf: folder.appendingPathComponent("a/synthetic_\(i).csv"), encoding: .utf8)
            let b = try String(contentsOf: folder.appendingPathComponent("b/synthetic_\(i).csv"), encoding: .utf8)
            XCTAssertEqual(a, b, "same seed, different thread count")
            let lines = a.split(separator: "\n")
            XCTAssertEqual(lines.first, "Date,Open,High,Low,Close,Volume")
            XCTAssertEqual(lines.count, 301)
        }
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("a/report.json"))) as? [String: Any]
        let samples = try XCTUnwrap(report?["samples"] as? [[String: Any]])
        XCTAssertEqual(samples.count, 3)
        XCTAssertEqual(samples[0]["file"] as? String, "synthetic_0.csv")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(samples[0]["fidelity"] as? Double), 60)
        XCTAssertEqual((samples[0]["metrics"] as? [String: Double])?.count, 15)
        XCTAssertEqual((report?["source_metrics"] as? [String: Double])?.count, 15)
        XCTAssertNotNil(report?["block_length"] as? Double)
    }

    func testZipHoldsEveryCSV() throws {
        let source = try writeSource()
        let out = folder.appendingPathComponent("z")
        let result = try CLIRunner.run(["synth", "--input", source.path, "--count", "2", "--min-fidelity", "50",
                                        "--out", out.path, "--zip", "--method", "circular"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let zip = try Data(contentsOf: out.appendingPathComponent("synthetic.zip"))
        XCTAssertEqual(Array(zip.prefix(2)), [0x50, 0x4B])
        let text = String(decoding: zip, as: UTF8.self)
        XCTAssertTrue(text.contains("synthetic_0.csv") && text.contains("synthetic_1.csv"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("synthetic_0.csv").path))
    }

    func testBadInputFailsWithTheFileName() throws {
        let bad = folder.appendingPathComponent("BAD.csv")
        try "Date,Open,High,Close\n2020-01-01,1,2,1.5\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["synth", "--input", bad.path, "--count", "1", "--out", folder.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("BAD.csv") && result.stderr.contains("low"), result.stderr)
        let missing = try CLIRunner.run(["synth", "--input", folder.appendingPathComponent("nope.csv").path,
                                         "--count", "1", "--out", folder.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.csv"), missing.stderr)
    }

    func testUnreachableFidelityFailsWithBestSeen() throws {
        let source = try writeSource()
        let result = try CLIRunner.run(["synth", "--input", source.path, "--count", "1", "--min-fidelity", "100",
                                        "--max-attempts", "5", "--out", folder.appendingPathComponent("u").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("best seen"), result.stderr)
    }
}
