// Names that become path components and outputs that must stay under their root; the per-run lock file.
import Foundation
import XCTest
@testable import MarketData
import MarketTestSupport

final class PathNameTests: XCTestCase {
    func testUnsafeNamesAreRejected() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "x\u{0}y", "tab\there", "new\nline", String(repeating: "a", count: 256)] {
            XCTAssertNotNil(PathName.problem(bad), PathName.quoted(bad))
        }
        for good in ["pretrain", "us_stocks", "RELIANCE.NS", "BRK-B", "^GSPC", "EURUSD=X", "a..b", ".hidden", "café"] {
            XCTAssertNil(PathName.problem(good), good)
        }
        XCTAssertEqual(PathName.quoted("a\u{1}b"), "'a\\u{01}b'")
    }

    func testChildStaysUnderItsRootAfterResolvingLinks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pathname-\(UUID().uuidString)")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("pathname-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        XCTAssertEqual(try PathName.child(root, "run1", what: "run name").lastPathComponent, "run1")
        XCTAssertThrowsError(try PathName.child(root, "..", what: "run name")) { error in
            XCTAssertTrue("\(error)".contains("run name '..'"), "\(error)")
        }
        // A symbolic link inside the root that points outside it is refused.
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("escape"), withDestinationURL: outside)
        XCTAssertThrowsError(try PathName.child(root, "escape", what: "run name")) { error in
            XCTAssertTrue("\(error)".contains("leads outside"), "\(error)")
        }
        XCTAssertFalse(PathName.isContained(root.appendingPathComponent("a/../../x"), in: root))
        XCTAssertTrue(PathName.isContained(root.appendingPathComponent("a/./b"), in: root))
    }

    func testRunLockIsExclusiveAndTakesOverAStaleLock() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runlock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var lock: RunLock? = try RunLock.acquire(folder: folder, command: "test")
        let text = try String(contentsOf: folder.appendingPathComponent(RunLock.fileName), encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("\(getpid()) \(RunLock.hostName) test"), text)
        XCTAssertThrowsError(try RunLock.acquire(folder: folder, command: "second")) { error in
            XCTAssertTrue("\(error)".contains("in use by test (pid \(getpid())"), "\(error)")
        }
        lock = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunLock.fileName).path))
        // A lock left by a process that is gone (a finished child's pid) is taken over, with a message.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try "\(child.processIdentifier) \(RunLock.hostName) pretrain\n".write(to: folder.appendingPathComponent(RunLock.fileName),
                                                                            atomically: true, encoding: .utf8)
        var messages: [String] = []
        lock = try RunLock.acquire(folder: folder, command: "third") { messages.append($0) }
        XCTAssertEqual(messages.count, 1)
        XCTAssertTrue(messages.first?.contains("stale run lock of pid \(child.processIdentifier)") == true, "\(messages)")
        XCTAssertNotNil(lock)
        // A lock of another host cannot be checked: it is respected.
        lock = nil
        try "1 some-other-host pretrain\n".write(to: folder.appendingPathComponent(RunLock.fileName), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunLock.acquire(folder: folder, command: "fourth"))
    }

    /// Many takers find the same stale lock at once: exactly one holds the run (flock is per open file
    /// description, so threads with their own descriptors race exactly like processes); after it releases,
    /// the next taker gets it.
    func testConcurrentTakersOfAStaleLockNeverBothHoldTheRun() throws {
        let folder = try temporaryDirectory(self, prefix: "runlock-race")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        for round in 0..<20 {
            try "\(child.processIdentifier) \(RunLock.hostName) pretrain\n".write(to: folder.appendingPathComponent(RunLock.fileName),
                                                                                atomically: true, encoding: .utf8)
            let winners = NSLock()
            nonisolated(unsafe) var held: [RunLock] = []
            nonisolated(unsafe) var refusals: [String] = []
            DispatchQueue.concurrentPerform(iterations: 8) { k in
                do {
                    let lock = try RunLock.acquire(folder: folder, command: "taker \(k)", onTakeover: { _ in })
                    winners.lock(); held.append(lock); winners.unlock()
                } catch {
                    winners.lock(); refusals.append("\(error)"); winners.unlock()
                }
            }
            XCTAssertEqual(held.count, 1, "round \(round): \(refusals)")
            XCTAssertTrue(refusals.allSatisfy { $0.contains("in use") }, "\(refusals)")
            held.removeAll()
            XCTAssertNoThrow(try RunLock.acquire(folder: folder, command: "after").release())
        }
    }
}
