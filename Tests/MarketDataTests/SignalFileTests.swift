// Signal files: write → read round trip, minimal baseline files, folders, and one-line errors for bad files.
import XCTest
@testable import MarketData
import MarketSupport

final class SignalFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("signalfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func sample() -> [SignalRecord] {
        let day = CivilDate.dayNumber(year: 2024, month: 3, day: 8)
        return [
            SignalRecord(date: day, ticker: "AAPL", category: "us_stocks", signal: .buy, confidence: 0.8125,
                         expectedReturn: 0.025, predMean: [0.025, 0.01], predStd: [0.02, 0.03], epistemicStd: 0.01,
                         aleatoricStd: 0.017320508, lastClose: 170.25, reason: ""),
            SignalRecord(date: day, ticker: "GC=F", category: "commodities", signal: .hold, confidence: 0.55,
                         expectedReturn: -0.001, predMean: [-0.001, 0.002], predStd: [0.01, 0.02], epistemicStd: 0.004,
                         aleatoricStd: 0.009, lastClose: 2100.5, reason: "low confidence; small return"),
            SignalRecord(date: day, ticker: "ETH-USD", category: "crypto", signal: .hold, confidence: .nan,
                         expectedReturn: .nan, predMean: [], predStd: [], epistemicStd: .nan, aleatoricStd: .nan,
                         lastClose: .nan, reason: "stale data: last real bar 2024-01-02, 66 days old"),
        ]
    }

    func testCSVHeaderFollowsTheContract() {
        let header = SignalFile.csvText(sample()).split(separator: "\n")[0]
        XCTAssertEqual(header, "date,ticker,category,signal,confidence,expected_return,pred_mean_1,pred_mean_2,pred_std_1,pred_std_2,epistemic_std,aleatoric_std,last_close,reason")
    }

    func testRoundTripThroughAtomicWrite() throws {
        let csv = folder.appendingPathComponent("signals/2024-03-08.csv")
        let json = folder.appendingPathComponent("signals/2024-03-08.json")
        try SignalFile.write(sample(), csv: csv, json: json)
        let read = try SignalFile.read(csv)
        XCTAssertEqual(read.count, 3)
        let byTicker = Dictionary(uniqueKeysWithValues: read.map { ($0.ticker, $0) })
        let aapl = try XCTUnwrap(byTicker["AAPL"])
        XCTAssertEqual(aapl.signal, .buy)
        XCTAssertEqual(aapl.predMean, [0.025, 0.01])
        XCTAssertEqual(aapl.predStd, [0.02, 0.03])
        XCTAssertEqual(aapl.lastClose, 170.25)
        XCTAssertEqual(byTicker["GC=F"]?.reason, "low confidence; small return")
        let eth = try XCTUnwrap(byTicker["ETH-USD"])
        XCTAssertTrue(eth.confidence.isNaN && eth.predMean[0].isNaN)
        XCTAssertEqual(eth.reason, "stale data: last real bar 2024-01-02, 66 days old")   // quoted comma survives
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [[String: Any]]
        XCTAssertEqual(object?.count, 3)
        XCTAssertEqual(object?[0]["pred_mean_2"] as? Double, 0.01)
        XCTAssertTrue(object?[2]["confidence"] is NSNull)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: csv.deletingLastPathComponent().path)
        XCTAssertEqual(leftovers.sorted(), ["2024-03-08.csv", "2024-03-08.json"])   // no temp files remain
    }

    func testMinimalBaselineFileAndFolder() throws {
        try "Ticker,Date,Signal\nAAPL,2024-03-08,buy\n".write(to: folder.appendingPathComponent("2024-03-08.csv"), atomically: true, encoding: .utf8)
        try "date,ticker,signal\r\n2024-03-07,MSFT,SELL\r\n\r\n".write(to: folder.appendingPathComponent("2024-03-07.csv"), atomically: true, encoding: .utf8)
        try "not a signal file".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let records = try SignalFile.read(folder)
        XCTAssertEqual(records.map(\.ticker), ["MSFT", "AAPL"])
        XCTAssertEqual(records.map(\.signal), [.sell, .buy])
        XCTAssertEqual(records[0].horizon, 0)
        XCTAssertTrue(records[0].confidence.isNaN)
    }

    func testSpacesAroundFieldsAreIgnored() throws {
        let records = try SignalFile.parse(Array(" date , ticker ,signal,confidence, reason\n2024-03-08 , AAPL,\tbuy , 0.75 ,\" a, b \"\n".utf8), file: "x.csv")
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records[0].ticker, "AAPL")
        XCTAssertEqual(records[0].signal, .buy)
        XCTAssertEqual(records[0].confidence, 0.75)
        XCTAssertEqual(records[0].reason, " a, b")   // quoted: leading space kept (trailing blanks are trimmed)
    }

    func assertError(_ text: String, line: Int, contains fragment: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        XCTAssertThrowsError(try SignalFile.parse(Array(text.utf8), file: "bad.csv"), file: file, line: lineNumber) { error in
            guard let error = error as? DataError else { return XCTFail("wrong error \(error)", file: file, line: lineNumber) }
            XCTAssertEqual(error.line ?? 0, line, file: file, line: lineNumber)
            XCTAssertTrue(error.description.hasPrefix("bad.csv"), file: file, line: lineNumber)
            XCTAssertTrue(error.reason.contains(fragment), error.reason, file: file, line: lineNumber)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: lineNumber)
        }
    }

    func testBadFilesGiveOneLineErrors() {
        assertError("", line: 0, contains: "empty")
        assertError("date,ticker\n2024-01-01,A\n", line: 1, contains: "missing column 'signal'")
        assertError("date,ticker,signal\n2024-01-01,A,BUY\n2024-13-01,B,SELL\n", line: 3, contains: "date '2024-13-01'")
        assertError("date,ticker,signal\n2024-01-01,A,STRONG BUY\n", line: 2, contains: "not BUY, SELL or HOLD")
        assertError("date,ticker,signal\n2024-01-01,A\n", line: 2, contains: "2 fields, the header has 3")
        assertError("date,ticker,signal,confidence\n2024-01-01,A,BUY,1.5\n", line: 2, contains: "outside [0, 1]")
        assertError("date,ticker,signal,confidence\n2024-01-01,A,BUY,high\n", line: 2, contains: "confidence 'high' is not a number")
        assertError("date,ticker,signal\n2024-01-01,,BUY\n", line: 2, contains: "empty ticker")
        XCTAssertThrowsError(try SignalFile.read(folder.appendingPathComponent("missing"))) { error in
            XCTAssertTrue("\(error)".contains("no such file"))
        }
        XCTAssertThrowsError(try SignalFile.read(folder)) { error in XCTAssertTrue("\(error)".contains("no .csv")) }
    }

    func testNormalDistribution() {
        XCTAssertEqual(NormalDistribution.cdf(0), 0.5, accuracy: 1e-16)
        XCTAssertEqual(NormalDistribution.cdf(1.959963984540054), 0.975, accuracy: 1e-15)
        XCTAssertEqual(NormalDistribution.cdf(-3), 0.0013498980316301, accuracy: 1e-15)
        for p in [1e-10, 0.001, 0.02, 0.3, 0.5, 0.9, 0.99, 1 - 1e-9] {
            XCTAssertEqual(NormalDistribution.cdf(NormalDistribution.quantile(p)), p, accuracy: p * 1e-12)
        }
        XCTAssertEqual(NormalDistribution.quantile(0.975), 1.959963984540054, accuracy: 1e-13)
        XCTAssertEqual(NormalDistribution.quantile(0), -.infinity)
        XCTAssertTrue(NormalDistribution.quantile(1.5).isNaN)
    }
}
