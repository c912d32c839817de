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
}
