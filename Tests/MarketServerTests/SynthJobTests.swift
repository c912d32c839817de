// Synth jobs end to end through the router: queue → run → result.zip (the same bytes as `marketgpt synth`) and
// result-xlsx.zip (opened by openpyxl), SSE progress, cancel, restart recovery, bounded queue, multipart upload.
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketServer
import XCTest
import ZIPFoundation

final class SynthJobTests: XCTestCase {
    func app(_ state: ServerState) -> some ApplicationProtocol { Application(router: MarketServer.router(state)) }

    var sourceCSV: Data { get throws { try Data(contentsOf: ServerFixture.workspace.get().appendingPathComponent("data/us_stocks/AAPL.csv")) } }

    /// Polls the job until it is final (at most `timeout` s).
    func waitFinal(_ client: some TestClientProtocol, _ id: String, timeout: Double = 120) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs/\(id)", method: .get).body)
            if ["done", "failed", "cancelled"].contains(job["state"] as? String ?? "") { return job }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTFail("job \(id) did not finish in \(timeout) s")
        return [:]
    }

    func entries(_ data: Data) throws -> [String: Data] {
        let archive = try Archive(data: data, accessMode: .read)
        var out: [String: Data] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            out[entry.path] = bytes
        }
        return out
    }

    func testJobResultsEqualTheSynthCommandAndOpenInOpenpyxl() async throws {
        let state = try ServerFixture.state()
        let csv = try sourceCSV
        let directory = try ServerFixture.workspace.get()
        try ServerFixture.run(["synth", "--input", "data/us_stocks/AAPL.csv", "--count", "3", "--min-fidelity", "60", "--seed", "9",
                               "--length", "300", "--out", "synth-cli"], in: directory)
        try await app(state).test(.router) { client in
            let created = try await client.execute(uri: "/v1/synth/jobs?count=3&min_fidelity=60&seed=9&length=300", method: .post,
                                                   headers: [.contentType: "text/csv"], body: ByteBuffer(data: csv))
            XCTAssertEqual(created.status, .accepted, String(buffer: created.body))
            let id = try XCTUnwrap(ServerFixture.json(created.body)["id"] as? String)
            XCTAssertEqual(created.headers[.location], "/v1/synth/jobs/\(id)")
            // SSE: progress events until the final state.
            let events = String(buffer: try await client.execute(uri: "/v1/synth/jobs/\(id)/events", method: .get).body)
            XCTAssertTrue(events.hasPrefix("event: progress\ndata: {"), events)
            XCTAssertTrue(events.contains("\"state\":\"done\""), events)
            let job = try await self.waitFinal(client, id)
            XCTAssertEqual(job["state"] as? String, "done", "\(job)")
            XCTAssertEqual((job["fidelity"] as? [Double])?.count, 3)
            let progress = job["progress"] as? [String: Any] ?? [:]
            XCTAssertEqual(progress["accepted"] as? Int, 3)
            XCTAssertGreaterThanOrEqual(progress["candidates_tried"] as? Int ?? 0, 3)
            // The ZIPs are made on the first download, not by the job (the job does what `marketgpt synth` does).
            let folder = try XCTUnwrap(state.jobs.folder(id))
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("result.zip").path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("result-xlsx.zip").path))
            XCTAssertNil(state.jobs.state(id)?.packagingSeconds)
            XCTAssertNotNil(state.jobs.state(id)?.generationSeconds)
            let zip = try await client.execute(uri: "/v1/synth/jobs/\(id)/result.zip", method: .get)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("result.zip").path))
            let packagedOnce = try XCTUnwrap(state.jobs.state(id)?.packagingSeconds)
            let again = try await client.execute(uri: "/v1/synth/jobs/\(id)/result.zip", method: .get)
            XCTAssertEqual(Data(buffer: again.body), Data(buffer: zip.body), "the second download serves the kept ZIP")
            XCTAssertEqual(state.jobs.state(id)?.packagingSeconds, packagedOnce, "a kept ZIP is not built again")
            XCTAssertEqual(zip.status, .ok)
            XCTAssertEqual(zip.headers[.contentType], "application/zip")
            let files = try self.entries(Data(buffer: zip.body))
            XCTAssertEqual(Set(files.keys), ["synthetic_0.csv", "synthetic_1.csv", "synthetic_2.csv", "report.json"])
            for i in 0..<3 {
                let cli = try Data(contentsOf: directory.appendingPathComponent("synth-cli/synthetic_\(i).csv"))
                XCTAssertEqual(files["synthetic_\(i).csv"], cli, "series \(i) differs from `marketgpt synth`")
            }
            let xlsxZip = try await client.execute(uri: "/v1/synth/jobs/\(id)/result-xlsx.zip", method: .get)
            let workbooks = try self.entries(Data(buffer: xlsxZip.body))
            XCTAssertEqual(Set(workbooks.keys), ["synthetic_0.xlsx", "synthetic_1.xlsx", "synthetic_2.xlsx", "report.json"])
            try self.checkWithOpenpyxl(workbooks["synthetic_1.xlsx"]!, csv: files["synthetic_1.csv"]!)
            // The files live under the jobs folder; nothing half-written is left.
            XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.hasPrefix(".") })
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("result/report.json").path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".partial").path))
            let listed = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs", method: .get).body)["jobs"] as? [[String: Any]]
            XCTAssertEqual(listed?.first?["id"] as? String, id)
        }
    }

    /// Opens the workbook with openpyxl and compares every cell with the CSV (skips without the venv).
    func checkWithOpenpyxl(_ xlsx: Data, csv: Data) throws {
        guard let python = ServerFixture.python else { throw XCTSkip("MARKETGPT_PYTHON not set: openpyxl check skipped") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try xlsx.write(to: folder.appendingPathComponent("s.xlsx"))
        try csv.write(to: folder.appendingPathComponent("s.csv"))
        let script = """
            import csv, sys, datetime
            import openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.active
            rows = list(ws.iter_rows(values_only=True))
            ref = list(csv.reader(open(sys.argv[2])))
            assert list(rows[0]) == ref[0], (rows[0], ref[0])
            assert len(rows) == len(ref), (len(rows), len(ref))
            for got, want in zip(rows[1:], ref[1:]):
                assert isinstance(got[0], datetime.datetime) and got[0].date().isoformat() == want[0], (got[0], want[0])
                for g, w in zip(got[1:], want[1:]):
                    assert abs(g - float(w)) <= 1e-6 * max(1.0, abs(float(w))), (g, w)
            print("ok", len(rows) - 1)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.appendingPathComponent("s.xlsx").path, folder.appendingPathComponent("s.csv").path]
        let err = Pipe(), out = Pipe()
        process.standardError = err
        process.standardOutput = out
        try process.run()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if errText.contains("No module named 'openpyxl'") { throw XCTSkip("openpyxl not installed in the venv") }
        XCTAssertEqual(process.terminationStatus, 0, errText)
        XCTAssertTrue(outText.hasPrefix("ok 300"), outText)
    }

    func testMultipartUploadCancelAndBoundedQueue() async throws {
        let state = try ServerFixture.state { $0.jobQueueLimit = 1; $0.jobThreads = 1 }
        let csv = try sourceCSV
        try await app(state).test(.router) { client in
            let boundary = "XyZ123"
            var form = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n1000\r\n".utf8)
            form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"min_fidelity\"\r\n\r\n100\r\n".utf8)
            form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"max_attempts\"\r\n\r\n100000\r\n".utf8)
            form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"AAPL.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            form += csv + Data("\r\n--\(boundary)--\r\n".utf8)
            let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
            // A job that cannot finish (fidelity 100), one waiting behind it, a third refused (queue limit 1).
            let first = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs", method: .post, headers: headers, body: ByteBuffer(data: form)).body)
            let id = try XCTUnwrap(first["id"] as? String, "\(first)")
            XCTAssertEqual((first["parameters"] as? [String: Any])?["source_name"] as? String, "AAPL.csv")
            XCTAssertEqual((first["parameters"] as? [String: Any])?["count"] as? Int, 1000)
            let second = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs", method: .post, headers: headers, body: ByteBuffer(data: form)).body)
            let third = try await client.execute(uri: "/v1/synth/jobs", method: .post, headers: headers, body: ByteBuffer(data: form))
            XCTAssertEqual(third.status, .tooManyRequests, String(buffer: third.body))
            // Cancel the queued one at once, the running one at its next batch.
            let secondID = try XCTUnwrap(second["id"] as? String)
            let cancelledQueued = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs/\(secondID)", method: .delete).body)
            XCTAssertEqual(cancelledQueued["state"] as? String, "cancelled")
            try await Task.sleep(nanoseconds: 300_000_000)
            let running = ServerFixture.json(try await client.execute(uri: "/v1/synth/jobs/\(id)", method: .get).body)
            XCTAssertEqual(running["state"] as? String, "running")
            _ = try await client.execute(uri: "/v1/synth/jobs/\(id)", method: .delete)
            let final = try await self.waitFinal(client, id, timeout: 30)
            XCTAssertEqual(final["state"] as? String, "cancelled")
            let result = try await client.execute(uri: "/v1/synth/jobs/\(id)/result.zip", method: .get)
            XCTAssertEqual(result.status, .conflict)
            let folder = try XCTUnwrap(state.jobs.folder(id))
            for name in ["result", "result.zip", "result-xlsx.zip", ".partial"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
            }
        }
    }

    func testARestartMarksUnfinishedJobsFailedAndRemovesTheirFiles() throws {
        let state = try ServerFixture.state()
        let root = state.jobs.root
        // What a killed server leaves: a running job with a half-written result.
        let id = "0f0f0f0f-dead-beef-0000-000000000001"
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".partial/result"), withIntermediateDirectories: true)
        try Data("half".utf8).write(to: folder.appendingPathComponent(".partial/result.zip"))
        try Data("half".utf8).write(to: folder.appendingPathComponent("result.zip"))
        let job = SynthJobState(id: id, state: .running, parameters: SynthJobParameters(), created: "2026-01-01T00:00:00Z")
        try JSONEncoder().encode(job).write(to: folder.appendingPathComponent("job.json"))
        var logger = state.logger
        logger.logLevel = .critical
        let restarted = try SynthJobQueue(root: root, concurrency: 1, queueLimit: 1, threads: 1, logger: logger)
        let after = try XCTUnwrap(restarted.state(id))
        XCTAssertEqual(after.state, .failed)
        XCTAssertTrue(after.error?.contains("restart") ?? false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".partial").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("result.zip").path))
        let stored = try JSONDecoder().decode(SynthJobState.self, from: Data(contentsOf: folder.appendingPathComponent("job.json")))
        XCTAssertEqual(stored.state, .failed)
    }
}
