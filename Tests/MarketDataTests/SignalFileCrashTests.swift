// What a killed signal run can leave behind: the CSV is renamed last, orphans and temporaries are cleared.
import XCTest
@testable import MarketData
import MarketSupport

final class SignalFileCrashTests: XCTestCase {
    func testJSONIsWrittenBeforeTheCSVAndOrphansAreRemoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signal-orphans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = [SignalRecord(date: CivilDate.dayNumber(year: 2024, month: 3, day: 8), ticker: "AAPL", category: "us_stocks",
                                    signal: .buy, confidence: 0.8, expectedReturn: 0.02, predMean: [0.02], predStd: [0.01],
                                    epistemicStd: 0.005, aleatoricStd: 0.008, lastClose: 170, reason: "")]
        let csv = folder.appendingPathComponent("2024-03-08.csv"), json = folder.appendingPathComponent("2024-03-08.json")
        try SignalFile.write(records, csv: csv, json: json)
        let csvDate = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: csv.path)[.modificationDate] as? Date)
        let jsonDate = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: json.path)[.modificationDate] as? Date)
        XCTAssertLessThanOrEqual(jsonDate, csvDate)
        // A kill between the two renames leaves the JSON alone (and maybe temporaries): the next run clears them,
        // never a complete pair nor a file that is not a signal file.
        try Data("{}".utf8).write(to: folder.appendingPathComponent("2024-03-11.json"))
        try Data("x".utf8).write(to: folder.appendingPathComponent(".2024-03-11.csv.tmp-99-1"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("notes.json"))
        XCTAssertEqual(SignalFile.removeOrphans(in: folder).sorted(), [".2024-03-11.csv.tmp-99-1", "2024-03-11.json"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["2024-03-08.csv", "2024-03-08.json", "notes.json"])
    }

    func testStoredNormalizerMustBeConsistent() throws {
        let seven: [Float] = [0, 1, 2, 3, 4, 5, 6], ones = [Float](repeating: 1, count: 7)
        let good = FeatureNormalizer(mean: [0: seven], std: [0: ones])
        XCTAssertEqual(try FeatureNormalizer(jsonString: try good.jsonString()), good)
        for bad in [FeatureNormalizer(mean: [0: [0]], std: [0: ones]),
                    FeatureNormalizer(mean: [0: seven], std: [0: [1, 1, 1, 1, 1, 1, 0]]),
                    FeatureNormalizer(mean: [0: seven], std: [1: ones])] {
            XCTAssertThrowsError(try FeatureNormalizer(jsonString: try bad.jsonString()))
        }
    }
}
