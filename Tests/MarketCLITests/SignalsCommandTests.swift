// End-to-end `marketgpt signals`: files and summary, determinism, the garbage-after-the-date canary, range = nightly, exit codes.
import Foundation
import XCTest
import MarketTestSupport

final class SignalsCommandTests: XCTestCase {
    /// One workspace for the class: demo data (seed 4) and a 2-step tiny pre-trained checkpoint.
    static let workspace: Result<URL, Error> = Result {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("signals-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try PretrainCommandTests.config.write(to: url.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: url.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: url)
        guard demo.status == 0 else { throw NSError(domain: "demo-data: " + demo.stderr, code: 1) }
        let train = try CLIRunner.run(["pretrain", "--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data",
                                       "--run", "t", "--steps", "2"], in: url)
        guard train.status == 0 else { throw NSError(domain: "pretrain: " + train.stderr, code: 1) }
        return url
    }

    let date = "2025-06-04"

    func signals(_ extra: [String], data: String = "data", in directory: URL) throws -> CLIResult {
        try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", data, "--checkpoints", "checkpoints/t",
                           "--samples", "4", "--seed", "5"] + extra, in: directory)
    }

    func testNightlyFilesSummaryDeterminismAndCanary() throws {
        let dir = try Self.workspace.get()
        let first = try signals(["--date", date, "--out", "a"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("strongest BUY:") && first.stdout.contains("total"), first.stdout)
        let csv = try String(contentsOf: dir.appendingPathComponent("a/\(date).csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "date,ticker,category,signal,confidence,expected_return,pred_mean_1,pred_mean_2,pred_mean_3,"
                       + "pred_std_1,pred_std_2,pred_std_3,epistemic_std,aleatoric_std,last_close,reason")
        XCTAssertEqual(lines.count, 31)   // every asset of the demo universe, the one without a file included
        XCTAssertTrue(csv.contains(",no data"), "the missing asset is listed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/\(date).json").path))

        let again = try signals(["--date", date, "--out", "b"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("b/\(date).csv")), Data(csv.utf8))

        // Canary: every row after the date replaced by garbage → the same bytes.
        let poisoned = dir.appendingPathComponent("poisoned")
        try? FileManager.default.removeItem(at: poisoned)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("data"), to: poisoned)
        let files = FileManager.default.enumerator(at: poisoned, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "csv" }
        var replaced = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let rows = text.split(separator: "\n", omittingEmptySubsequences: false).map { row -> Substring in
                guard row.count >= 10, let day = row.split(separator: ",").first, day.count == 10, String(day) > date else { return row }
                replaced += 1
                return Substring("\(day),1e9,3,-7,NaN,garbage")
            }
            try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        XCTAssertGreaterThan(replaced, 100)
        let canary = try signals(["--date", date, "--out", "c"], data: "poisoned", in: dir)
        XCTAssertEqual(canary.status, 0, canary.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("c/\(date).csv")), Data(csv.utf8))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("c/\(date).json")),
                       try Data(contentsOf: dir.appendingPathComponent("a/\(date).json")))
    }

    func testRangeWritesEveryTradingDateEachEqualToItsNightlyRun() throws {
        let dir = try Self.workspace.get()
        let range = try signals(["--from", "2025-06-02", "--to", date, "--out", "r"], in: dir)
        XCTAssertEqual(range.status, 0, range.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("r").path).sorted()
        XCTAssertEqual(written.filter { $0.hasSuffix(".csv") }, ["2025-06-02.csv", "2025-06-03.csv", "2025-06-04.csv"])
        let nightly = try signals(["--date", "2025-06-03", "--out", "n"], in: dir)
        XCTAssertEqual(nightly.status, 0, nightly.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("r/2025-06-03.csv")),
                       try Data(contentsOf: dir.appendingPathComponent("n/2025-06-03.csv")))
    }

    func testNoCheckpointOrNoDataExitsNonZeroWithOneLine() throws {
        let dir = try Self.workspace.get()
        let noModel = try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "nowhere",
                                         "--date", date, "--out", "x"], in: dir)
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains("nowhere") && noModel.stderr.contains("no usable checkpoint"), noModel.stderr)
        let early = try signals(["--date", "1990-01-02", "--out", "x"], in: dir)
        XCTAssertNotEqual(early.status, 0)
        XCTAssertTrue(early.stderr.contains("no asset has data on or before 1990-01-02"), early.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
        let badHorizon = try signals(["--date", date, "--horizon", "9", "--out", "x"], in: dir)
        XCTAssertNotEqual(badHorizon.status, 0)
        XCTAssertTrue(badHorizon.stderr.contains("horizon 9"), badHorizon.stderr)
        let usage = try signals(["--from", date], in: dir)
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }
}
