// `marketgpt serve` as a real process on a free port against the tiny trained model: health, forecast equal to
// the signal file, structured request log without the token, clean exit on SIGTERM.
import Foundation
import MarketSupport
import MarketData
import XCTest

final class EndToEndServeTests: XCTestCase {
    func testRealBinaryServesForecastsLogsRequestsAndStopsOnSIGTERM() throws {
        let directory = try ServerFixture.workspace.get()
        let config = try LiveServer.writeConfig(directory, name: "serve-e2e.yaml", extra: "token: e2e-secret-token")
        let server = try LiveServer(directory: directory, arguments: ["--config", config])
        let health = try server.request("/health")
        XCTAssertEqual(health.status, 200)
        let h = try XCTUnwrap(try JSONSerialization.jsonObject(with: health.body) as? [String: Any])
        XCTAssertEqual(h["model_loaded"] as? Bool, true)
        let body = try JSONSerialization.data(withJSONObject: ["tickers": ["MSFT"], "date": ServerFixture.date])
        let forecast = try server.request("/v1/forecast", method: "POST", body: body, headers: ["Content-Type": "application/json"])
        XCTAssertEqual(forecast.status, 200, String(decoding: forecast.body, as: UTF8.self))
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: forecast.body) as? [String: Any])
        let row = try XCTUnwrap(try SignalFile.readFile(directory.appendingPathComponent("runs/t/signals/\(ServerFixture.date).csv")).first { $0.ticker == "MSFT" })
        let first = try XCTUnwrap((answer["forecasts"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["confidence"] as? Double ?? .nan, row.confidence, accuracy: 1e-9)
        XCTAssertEqual(first["signal"] as? String, row.signal.rawValue)
        // A mutating request with the token (it is never logged).
        let created = try server.request("/v1/synth/jobs?count=1", method: "POST", body: Data("Date,Open\n".utf8),
                                         headers: ["Content-Type": "text/csv", "Authorization": "Bearer e2e-secret-token"])
        XCTAssertEqual(created.status, 422)
        XCTAssertEqual(server.stop(), 0, server.log())
        let log = server.log()
        XCTAssertTrue(log.contains("path=/v1/forecast") && log.contains("status=200") && log.contains("method=POST"), log)
        XCTAssertTrue(log.contains("status=422"), log)
        XCTAssertFalse(log.contains("e2e-secret-token"), "the token must never be logged")
        XCTAssertTrue(log.contains("stopped"), log)
    }

    func testStartFailuresAreOneLine() throws {
        let directory = try ServerFixture.workspace.get()
        let process = Process()
        process.executableURL = ServerFixture.binary
        process.arguments = ["serve", "--host", "0.0.0.0", "--port", "0"]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "MARKETGPT_SERVE_TOKEN" }
        let err = Pipe()
        process.standardError = err
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(text.contains("needs a bearer token"), text)
        try "port: 99999\n".write(to: directory.appendingPathComponent("bad-serve.yaml"), atomically: true, encoding: .utf8)
        let bad = try ServerFixture.runFailing(["serve", "--config", "bad-serve.yaml"], in: directory)
        XCTAssertTrue(bad.contains("bad-serve.yaml") && bad.contains("port"), bad)
    }
}
