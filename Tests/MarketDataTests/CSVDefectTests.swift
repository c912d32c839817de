// Every defect of CONTRACT.md is handled as written and counted with its line number.
import XCTest
@testable import MarketData
import MarketSupport

final class CSVDefectTests: XCTestCase {
    func load(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> CSVLoadResult {
        try OHLCVCSV.parse(Data(text.utf8), file: "t.csv", options: options)
    }

    func testDefectsAreDroppedAndCounted() throws {
        let text = """
        Volume,Close,High,Low,Open,Date
        100,10,11,9,10,2024-01-02
        100,null,null,null,null,2024-01-03
        100,-1,11,9,10,2024-01-04
        100,12,11,9,10,2024-01-05
        100,abc,11,9,10,2024-01-08

        0,10.5,11,10,10.2,2024-01-10 00:00:00-05:00
        100,10.4,11,10,10.2,2024-01-09
        200,10.6,11,10,10.2,2024-01-09
        -5,10,11,9,10,2024-01-11
        """
        let result = try load(text)
        let report = result.report
        XCTAssertEqual(report.rowsRead, 9)
        XCTAssertEqual(report.emptyLines, 1)
        XCTAssertEqual(report.droppedByReason, [.null: 1, .nonPositive: 1, .ohlcInconsistent: 1, .unparseable: 1, .negativeVolume: 1])
        XCTAssertEqual(report.droppedRows.map(\.line), [3, 4, 5, 6, 11])
        XCTAssertEqual(report.order, .unsorted)
        XCTAssertEqual(report.duplicateDates, 1)
        XCTAssertEqual(report.duplicateLines, [9])
        XCTAssertEqual(result.series.dates.map(CivilDate.isoString), ["2024-01-02", "2024-01-09", "2024-01-10"])
        XCTAssertEqual(result.series.close[1], 10.6)   // the later duplicate wins
        XCTAssertEqual(report.zeroVolumeRows, 1)
        XCTAssertEqual(report.largestGapDays, 7)
    }

    func testAsOfIgnoresLaterRows() throws {
        let text = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n2024-01-03,1,1,1,1,1\n2024-01-04,1,1,1,1,1\n"
        var options = CSVOptions()
        options.asOf = CivilDate.dayNumber(year: 2024, month: 1, day: 3)
        let result = try load(text, options)
        XCTAssertEqual(result.series.count, 2)
        XCTAssertEqual(result.report.rowsAfterAsOf, 1)
    }

    func testFileErrorsNameFileAndLine() {
        XCTAssertThrowsError(try load("Date,Open,High,Low,Volume\n2024-01-02,1,1,1,1\n")) { error in
            XCTAssertEqual((error as? DataError)?.line, 1)
            XCTAssertTrue("\(error)".hasPrefix("t.csv line 1: missing column close"))
        }
        XCTAssertThrowsError(try load("Date,Open,High,Low,Close\n2024-01-02,1,1,1,x\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("t.csv line 2: no valid rows"), "\(error)")
        }
        XCTAssertThrowsError(try load("")) { error in XCTAssertEqual("\(error)", "t.csv: empty file") }
        XCTAssertThrowsError(try OHLCVCSV.load(URL(fileURLWithPath: "/nonexistent/x.csv"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.csv: cannot read"))
        }
    }

    func testNumberParsingMatchesDouble() {
        let samples = ["0.79274213", "169.14999", "1234567.8", "0.000012345678", "1e3", "2.5E-3", "12345678901234567890123",
                       "100", "-3.5", "+7", "1.7976931348623157e308"]
        for sample in samples {
            let bytes = Array(sample.utf8)
            let parsed = bytes.withUnsafeBufferPointer { parseNumber($0.baseAddress!, 0, $0.count, decimalComma: false) }
            guard case .value(let value) = parsed else { XCTFail(sample); continue }
            XCTAssertEqual(value, Double(sample)!, accuracy: abs(Double(sample)!) * 4e-16, sample)
        }
        for bad in ["1.2.3", "abc", "1e", "--1", "1e999", "12x3"] {
            let bytes = Array(bad.utf8)
            let parsed = bytes.withUnsafeBufferPointer { parseNumber($0.baseAddress!, 0, $0.count, decimalComma: false) }
            if case .value(let v) = parsed { XCTFail("\(bad) parsed as \(v)") }
        }
    }
}
