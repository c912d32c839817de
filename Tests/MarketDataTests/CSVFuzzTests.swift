// Fuzzing the CSV parser: truncation, byte flips, huge numbers, empty lines, BOM, NUL bytes — errors, never crashes.
import XCTest
@testable import MarketData

final class CSVFuzzTests: XCTestCase {
    let base = Array("""
    Date,Open,High,Low,Close,Adj Close,Volume
    2024-01-02,10.5,11.25,9.75,10.0,9.5,1200
    2024-01-03,10.0,10.5,9.5,10.25,9.75,0
    2024-01-04,"10,5",11,9,10,9.9,1e3
    2024-01-05 00:00:00+01:00,10,11,9,10,10,300

    2024-01-08,10,11,9,10,10,400
    """.utf8)

    /// Parses `bytes` with assorted options; only `DataError`s may come out.
    func parseNeverCrashes(_ bytes: [UInt8], _ note: String) {
        for options in [CSVOptions(), CSVOptions(dateOrder: .dmy, decimalComma: true, skipLines: 1)] {
            do {
                let result = try OHLCVCSV.parse(Data(bytes), file: "fuzz.csv", options: options)
                let s = result.series
                XCTAssertEqual(result.report.rowsKept, s.count, note)
                XCTAssertTrue(zip(s.dates, s.dates.dropFirst()).allSatisfy { $0 < $1 }, note)
                XCTAssertTrue(s.close.allSatisfy { $0 > 0 && $0.isFinite }, note)
                XCTAssertTrue(s.low.indices.allSatisfy { s.low[$0] <= s.high[$0] }, note)
            } catch let error as DataError {
                XCTAssertFalse(error.description.contains("\n"), note)
                XCTAssertTrue(error.description.hasPrefix("fuzz.csv"), note)
            } catch {
                XCTFail("\(note): unexpected error \(error)")
            }
        }
    }

    func testRandomMutations() {
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let specials: [[UInt8]] = [[0], [0xEF, 0xBB, 0xBF], Array("\n\n".utf8), Array("99999999999999999999999999999999".utf8),
                                   Array("1e308".utf8), Array("-1e400".utf8), Array("null".utf8), Array(",,,,".utf8), Array("\"".utf8),
                                   [0xFF, 0xFE], Array("\r".utf8), Array("9".utf8), Array("/".utf8), Array("K".utf8)]
        for round in 0..<3000 {
            var bytes = base
            let edits = 1 + next(6)
            for _ in 0..<edits {
                switch next(5) {
                case 0: bytes = Array(bytes.prefix(next(bytes.count + 1)))                       // truncate
                case 1: if !bytes.isEmpty { bytes[next(bytes.count)] = UInt8(next(256)) }        // flip a byte
                case 2: bytes.insert(contentsOf: specials[next(specials.count)], at: next(bytes.count + 1))
                case 3: if !bytes.isEmpty { bytes.remove(at: next(bytes.count)) }
                default: bytes.insert(UInt8(ascii: ","), at: next(bytes.count + 1))
                }
            }
            parseNeverCrashes(bytes, "round \(round)")
        }
    }

    func testEdgeCases() {
        parseNeverCrashes([], "empty")
        parseNeverCrashes([0xEF, 0xBB, 0xBF], "BOM only")
        parseNeverCrashes(Array(repeating: 0, count: 100), "NULs")
        parseNeverCrashes(Array("\n\n\n".utf8), "empty lines")
        parseNeverCrashes(Array("Date,Open,High,Low,Close\n".utf8), "header only")
        parseNeverCrashes(Array("Date,Open,High,Low,Close\n2024-01-02,\(String(repeating: "9", count: 5000)),1,1,1\n".utf8), "huge number")
        parseNeverCrashes(Array("Date,Open,High,Low,Close\n99999-99-99,1,1,1,1\n2024-02-30,1,1,1,1\n".utf8), "bad dates")
        // A BOM and CRLF line ends load normally.
        let crlf = [0xEF, 0xBB, 0xBF] + Array("Date,Open,High,Low,Close,Volume\r\n2024-01-02,1,2,0.5,1.5,10\r\n".utf8)
        XCTAssertEqual(try OHLCVCSV.parse(Data(crlf), file: "crlf.csv").series.close, [1.5])
    }
}
