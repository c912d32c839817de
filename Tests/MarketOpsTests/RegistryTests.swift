// The run registry: register/finish, list, compare inputs, promote, archive, stale runs, concurrent writers, bad files.
import Foundation
import GRDB
@testable import MarketOps
import XCTest

final class RegistryTests: XCTestCase {
    var folder: URL!
    var url: URL { folder.appendingPathComponent("runs/registry.sqlite") }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A file that looks like a checkpoint header with `content_hash`.
    func fakeCheckpoint(_ name: String, hash: String) throws -> URL {
        let header = #"{"__metadata__":{"content_hash":"\#(hash)","format":"marketgpt-checkpoint-1"}}"#
        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        data.append(Data(bytes: &length, count: 8))
        data.append(Data(header.utf8))
        let file = folder.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    func testRunLifecycleListShowPromoteArchive() throws {
        let registry = try RunRegistry(url: url)
        let checkpoint = try fakeCheckpoint("pretrained.safetensors", hash: "00000000deadbeef")
        let id = try registry.start(kind: .pretrain, name: "demo", command: ["marketgpt", "pretrain"], configHash: "abc", universeHash: "def",
                                    seed: 7, codeVersion: "0.1.0")
        XCTAssertTrue(id.hasPrefix("pretrain-"))
        XCTAssertEqual(try registry.run(id).status, .running)
        XCTAssertThrowsError(try registry.promote(id, category: "us_stocks", stage: .production, contentHash: { try ContentDigest.checkpointHash($0) })) {
            XCTAssertTrue("\($0)".contains("only a finished run"), "\($0)")
        }
        try registry.finish(id, status: .finished, metrics: ["val_loss": 1.25, "nan": .nan], artefacts: ["metrics": "runs/demo/metrics.jsonl"],
                            checkpointPath: checkpoint.path, checkpointHash: "00000000deadbeef")
        let record = try registry.run(String(id.prefix(id.count - 2)))   // a unique prefix works
        XCTAssertEqual(record.status, .finished)
        XCTAssertEqual(record.metrics, ["val_loss": 1.25])   // non-finite values dropped
        XCTAssertEqual(record.seed, 7)
        XCTAssertNotNil(record.endedAt)
        let promotion = try registry.promote(id, category: "us_stocks", stage: .production, contentHash: { try ContentDigest.checkpointHash($0) })
        XCTAssertEqual(promotion.checkpointHash, "00000000deadbeef")
        XCTAssertEqual(try registry.production(category: "us_stocks")?.runID, id)
        XCTAssertNil(try registry.production(category: "crypto"))
        XCTAssertNil(try registry.promotion(category: "us_stocks", stage: .staging))
        // A later promotion of the same category and stage replaces it (the log keeps both).
        let second = try registry.start(kind: .finetune, codeVersion: "0.1.0")
        let finetuned = try fakeCheckpoint("model_finetuned_us_stocks.safetensors", hash: "1111222233334444")
        try registry.finish(second, status: .finished, artefacts: ["checkpoint.us_stocks": finetuned.path, "checkpoint_hash.us_stocks": "1111222233334444"])
        try registry.promote(second, category: "us_stocks", stage: .production, contentHash: { try ContentDigest.checkpointHash($0) })
        XCTAssertEqual(try registry.production(category: "us_stocks")?.checkpointPath, finetuned.path)
        XCTAssertEqual(try registry.promotions().count, 1)
        // A replaced checkpoint file is refused.
        _ = try fakeCheckpoint("model_finetuned_us_stocks.safetensors", hash: "9999999999999999")
        XCTAssertThrowsError(try registry.promote(second, category: "us_stocks", stage: .staging, contentHash: { try ContentDigest.checkpointHash($0) })) {
            XCTAssertTrue("\($0)".contains("replaced since"), "\($0)")
        }
        // List order (newest first), filters, archive.
        XCTAssertEqual(Set(try registry.runs().map(\.id)), [id, second])
        XCTAssertEqual(try registry.runs(kind: .pretrain).map(\.id), [id])
        try registry.archive(id)
        XCTAssertEqual(try registry.runs().map(\.id), [second])
        XCTAssertEqual(try registry.runs(includeArchived: true).count, 2)
        XCTAssertThrowsError(try registry.run("nope")) { XCTAssertTrue("\($0)".contains("no run 'nope'")) }
    }

    func testStaleRunningRowOfADeadProcessBecomesFailed() throws {
        let registry = try RunRegistry(url: url)
        let id = try registry.start(kind: .signals, codeVersion: "0.1.0")
        // Pretend the row belongs to a process that has exited: a child we started and reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let pool = try DatabasePool(path: url.path)
        try pool.write { try $0.execute(sql: "UPDATE runs SET pid = ? WHERE id = ?", arguments: [child.processIdentifier, id]) }
        let live = try registry.start(kind: .backtest, codeVersion: "0.1.0")   // this process: alive
        let reopened = try RunRegistry(url: url)   // opening marks stale rows
        let stale = try reopened.run(id)
        XCTAssertEqual(stale.status, .failed)
        XCTAssertTrue(stale.error?.contains("ended without finishing") ?? false)
        XCTAssertEqual(try reopened.run(live).status, .running)
    }

    func testCorruptDatabaseGivesAClearErrorNamingTheFile() throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: url)
        XCTAssertThrowsError(try RunRegistry(url: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(url.path + ": "), text)
            XCTAssertTrue(text.contains("not a valid SQLite database"), text)
        }
        // The recorder never fails the run it records: it warns and carries on.
        var warnings: [String] = []
        let recorder = RunRecorder(url: url, kind: .signals, codeVersion: "0.1.0", warn: { warnings.append($0) })
        XCTAssertNil(recorder.runID)
        recorder.finish(metrics: ["x": 1])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains(url.path))
    }

    func testLockedDatabaseGivesAClearError() throws {
        let registry = try RunRegistry(url: url, busyTimeout: 0.2)
        // Another connection holds the write lock.
        let other = try DatabaseQueue(path: url.path)
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? other.inTransaction(.exclusive) { _ in
                entered.signal()
                release.wait()
                return .commit
            }
        }
        entered.wait()
        XCTAssertThrowsError(try registry.start(kind: .signals, codeVersion: "0.1.0")) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path), "\(error)")
            XCTAssertTrue("\(error)".contains("locked"), "\(error)")
        }
        release.signal()
    }

    func testTwoConcurrentWritersLoseNothing() throws {
        _ = try RunRegistry(url: url)
        let perWriter = 100
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            // Each writer has its own connection pool, as two processes would.
            let registry = try! RunRegistry(url: url)
            for _ in 0..<perWriter {
                let id = try! registry.start(kind: .backtest, codeVersion: "0.1.0")
                try! registry.finish(id, status: .finished, metrics: ["sharpe": 1])
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let registry = try RunRegistry(url: url)
        XCTAssertEqual(try registry.runs(status: .finished, limit: 1000).count, 2 * perWriter)
        let journal = try DatabaseQueue(path: url.path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(journal, "wal")
        if ProcessInfo.processInfo.environment["MARKETGPT_MEASURE"] != nil {
            print("registry: \(4 * perWriter) writes by 2 concurrent writers in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", Double(4 * perWriter) / seconds)) writes/s")
        }
    }
}
