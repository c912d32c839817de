// The server scores with the registry's production checkpoints: a promotion made with the real CLI while the
// server runs is picked up by the registry poll, /health says which run serves which category, the forecast
// equals `marketgpt signals` over a folder holding that checkpoint, and a replaced file is refused.
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MarketData
import MarketServer
import MarketTestSupport
import XCTest

final class ProductionModelTests: XCTestCase {
    /// A copy of the fixture workspace (demo data, run `t`) with a second tiny pre-training `p2` (seed 9)
    /// registered in its own registry `registry.sqlite`; returns the folder and p2's run id.
    static let workspace: Result<(url: URL, run: String), Error> = Result {
        let fixture = try ServerFixture.workspace.get()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serve-production-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        for item in ["tiny.yaml", "demo.yaml", "data", "checkpoints/t"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(item), to: url.appendingPathComponent(item))
        }
        let trained = try cli(["pretrain", "--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "p2",
                               "--steps", "20", "--seed", "9"], in: url)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let listed = try cli(["runs", "list", "--json", "--kind", "pretrain", "--registry", "registry.sqlite"], in: url)
        let runs = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]] ?? []
        let id = try XCTUnwrap(runs.first { $0["name"] as? String == "p2" }?["id"] as? String, listed.stdout + listed.stderr)
        return (url, id)
    }

    /// Runs `marketgpt` in `directory` with the registry `registry.sqlite` there.
    static func cli(_ arguments: [String], in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["MARKETGPT_REGISTRY"] = "registry.sqlite"
        let output = try ProcessOutput.run(ServerFixture.binary, arguments: arguments, in: directory, environment: environment)
        return (output.status, String(decoding: output.stdout, as: UTF8.self), String(decoding: output.stderr, as: UTF8.self))
    }

    func state(_ directory: URL, _ change: (inout ServeConfig) -> Void) throws -> ServerState {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let config = ServerFixture.config { config in
            config.checkpoints = "checkpoints/t"
            config.registry = "registry.sqlite"
            config.jobs = "jobs-\(UUID().uuidString.prefix(8))"
            change(&config)
        }
        return try ServerState(config: config, workingDirectory: directory, version: "test", logger: logger, environment: [:])
    }

    func health(_ state: ServerState) async throws -> [String: Any] {
        let buffer = try await Application(router: MarketServer.router(state)).test(.router) { client in
            try await client.execute(uri: "/health", method: .get).body
        }
        return ServerFixture.json(buffer)
    }

    func forecast(_ state: ServerState, _ tickers: [String]) async throws -> [String: [String: Any]] {
        let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["tickers": tickers, "date": ServerFixture.date]))
        let response = try await Application(router: MarketServer.router(state)).test(.router) { client in
            try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"], body: body)
        }
        XCTAssertEqual(response.status, .ok, String(buffer: response.body))
        var result: [String: [String: Any]] = [:]
        for item in ServerFixture.json(response.body)["forecasts"] as? [[String: Any]] ?? [] { result[item["ticker"] as! String] = item }
        return result
    }

    func model(_ health: [String: Any], _ category: String) -> [String: Any]? {
        (health["models"] as? [[String: Any]])?.first { $0["category"] as? String == category }
    }

    func testAPromotionWhileServingIsPickedUpAndServedAsTheNightlyWould() async throws {
        let (directory, run) = try Self.workspace.get()
        let state = try state(directory) { $0.registryPollSeconds = 0.2 }
        let before = try await health(state)
        XCTAssertEqual(model(before, "us_stocks")?["source"] as? String, "folder")
        XCTAssertEqual(before["registry"] as? String, "registry.sqlite")
        let folderRows = try await forecast(state, ["AAPL", "BTC-USD"])

        // Promote p2 for us_stocks with the CLI, as an operator would, while the server runs.
        let promoted = try Self.cli(["runs", "promote", run, "--category", "us_stocks", "--stage", "production", "--registry", "registry.sqlite"], in: directory)
        XCTAssertEqual(promoted.status, 0, promoted.stderr)
        var after: [String: Any] = [:]
        for _ in 0..<50 {
            after = try await health(state)
            if model(after, "us_stocks")?["source"] as? String == "registry" { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let usStocks = try XCTUnwrap(model(after, "us_stocks"), "\(after)")
        XCTAssertEqual(usStocks["source"] as? String, "registry", "\(after)")
        XCTAssertEqual(usStocks["run"] as? String, run)
        XCTAssertTrue((usStocks["checkpoint"] as? String ?? "").hasSuffix("checkpoints/p2/pretrained.safetensors"), "\(usStocks)")
        XCTAssertNotNil(usStocks["promoted_at"] as? String)
        XCTAssertEqual(model(after, "crypto")?["source"] as? String, "folder")
        XCTAssertEqual(after["registry_problems"] as? [String], [])

        // The forecast now equals `marketgpt signals` over a folder whose us_stocks model is p2's (the nightly's choice).
        let rows = try await forecast(state, ["AAPL", "BTC-USD"])
        let mixed = directory.appendingPathComponent("checkpoints/mixed")
        try? FileManager.default.removeItem(at: mixed)
        try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: directory.appendingPathComponent("checkpoints/t/pretrained.safetensors"),
                                         to: mixed.appendingPathComponent("pretrained.safetensors"))
        try FileManager.default.copyItem(at: directory.appendingPathComponent("checkpoints/p2/pretrained.safetensors"),
                                         to: mixed.appendingPathComponent("model_finetuned_us_stocks.safetensors"))
        let signals = try Self.cli(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/mixed",
                                    "--samples", ServerFixture.samples, "--seed", ServerFixture.seed, "--date", ServerFixture.date,
                                    "--out", "mixed-signals"], in: directory)
        XCTAssertEqual(signals.status, 0, signals.stderr)
        let file = try SignalFile.readFile(directory.appendingPathComponent("mixed-signals/\(ServerFixture.date).csv"))
        for ticker in ["AAPL", "BTC-USD"] {
            let row = try XCTUnwrap(file.first { $0.ticker == ticker })
            XCTAssertEqual(rows[ticker]?["expected_return"] as? Double ?? .nan, row.expectedReturn, accuracy: 1e-9, ticker)
            XCTAssertEqual(rows[ticker]?["epistemic_sigma"] as? Double ?? .nan, row.epistemicStd, accuracy: 1e-9, ticker)
        }
        // p2 is another model: AAPL's numbers changed (BTC-USD's change too: its checkpoint's batch — and with it
        // the dropout stream, seeded by the batch's first ticker — no longer starts with AAPL, as in `signals`).
        XCTAssertNotEqual(rows["AAPL"]?["expected_return"] as? Double, folderRows["AAPL"]?["expected_return"] as? Double)

        // `models: folder` ignores the registry.
        let folderOnly = try self.state(directory) { $0.models = .folder }
        let folderHealth = try await health(folderOnly)
        XCTAssertEqual(model(folderHealth, "us_stocks")?["source"] as? String, "folder")
        XCTAssertTrue(folderHealth["registry"] is NSNull)

        // A promoted file replaced afterwards is not served: the category keeps its model, the problem is reported.
        let weights = directory.appendingPathComponent("checkpoints/p2/pretrained.safetensors")
        let original = try Data(contentsOf: weights)
        try Data("not a checkpoint".utf8).write(to: weights)
        defer { try? original.write(to: weights) }
        let fresh = try self.state(directory) { $0.registryPollSeconds = 0 }
        let refused = try await health(fresh)
        XCTAssertEqual(model(refused, "us_stocks")?["source"] as? String, "folder", "\(refused)")
        let problems = refused["registry_problems"] as? [String] ?? []
        XCTAssertTrue(problems.contains { $0.contains("us_stocks") && $0.contains("missing or unreadable") }, "\(problems)")
        // The running server keeps serving p2 (already loaded) and reports the problem on its next poll.
        var kept: [String: Any] = [:]
        for _ in 0..<50 {
            kept = try await health(state)
            if !(kept["registry_problems"] as? [String] ?? []).isEmpty { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(model(kept, "us_stocks")?["run"] as? String, run, "\(kept)")
        XCTAssertFalse((kept["registry_problems"] as? [String] ?? []).isEmpty, "\(kept)")
    }
}
