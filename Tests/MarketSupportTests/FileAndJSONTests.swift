// Atomic writes leave the old file or the new one and no temporary; JSON strings come from Foundation.
import XCTest
import MarketSupport

final class FileAndJSONTests: XCTestCase {
    func testAtomicWriteReplacesAndCleansUp() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("support-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a/b.txt")
        try AtomicFile.write("one", to: file)
        try AtomicFile.write("two", to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "two")
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: file) { temporary in
            try Data("half".utf8).write(to: temporary)
            throw Boom()
        })
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "two", "a failed write leaves the old file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path), ["b.txt"])
    }

    func testJSONQuotingEscapesWhatJSONNeeds() {
        XCTAssertEqual(JSONText.quoted("a\"b\\c\nd/e"), #""a\"b\\c\nd/e""#)
        XCTAssertEqual(JSONText.quoted("GC=F"), "\"GC=F\"")
    }

    /// The flush after writing (fsync of the file, then of its folder after the rename); a failure names the path.
    func testAtomicWriteFlushesFileThenFolder() throws {
        XCTAssertThrowsError(try AtomicFile.sync(URL(fileURLWithPath: "/nonexistent/x"), reportedAs: URL(fileURLWithPath: "/nonexistent/x"))) {
            XCTAssertTrue("\($0)".hasPrefix("/nonexistent/x: cannot open it to flush"), "\($0)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-sync-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AtomicFile.write("one", to: folder.appendingPathComponent("a.txt"))
        try AtomicFile.sync(folder, reportedAs: folder)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8), "one")
    }
}
