// A tiny trained workspace for the server tests, made with the real `marketgpt` binary: demo data, a 20-step
// tiny pre-training, signal files of one date and a short history, its backtest and an evaluation report.
import Foundation
import Hummingbird
import Logging
import MarketServer
import XCTest

enum ServerFixture {
    /// The decision date of the fixture's signal file.
    static let date = "2025-06-04"
    static let seed = "5"
    static let samples = "4"

    /// The `marketgpt` binary beside the test bundle.
    static var binary: URL {
        var directory = Bundle(for: Marker.self).bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("marketgpt").path), directory.pathComponents.count > 1 {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("marketgpt")
    }

    /// The package root (for universes/ and scripts/).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let tinyConfig = """
        model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
                asset_embedding_dropout: 0.1, horizon: 3, head: gaussian}
        training: {batch_size: 8, learning_rate: 2.0e-3, warmup_steps: 5, total_steps: 60, eval_every: 10,
                   eval_batches: 1, checkpoint_every: 10, log_every: 1, early_stopping_patience: 0, seed: 3}
        """

    /// Runs `marketgpt arguments` in `directory`; throws with its stderr when it fails.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "marketgpt \(arguments.joined(separator: " ")): " + String(decoding: errData, as: UTF8.self), code: Int(process.terminationStatus))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Runs `marketgpt arguments` expecting failure; returns its stderr.
    static func runFailing(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0, text)
        return text
    }

    /// The workspace (made once per test process): run `t` under runs/ with checkpoints, signals, backtest, evaluation.
    static let workspace: Result<URL, Error> = Result {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serve-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try tinyConfig.write(to: url.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("universes/demo.yaml"), to: url.appendingPathComponent("demo.yaml"))
        try run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: url)
        try run(["pretrain", "--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "t", "--steps", "20"], in: url)
        let signals = ["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/t", "--samples", samples, "--seed", seed]
        try run(signals + ["--date", date, "--out", "runs/t/signals"], in: url)
        try run(signals + ["--from", "2025-05-27", "--to", date, "--out", "runs/t/signals/history"], in: url)
        try run(["backtest", "--signals", "runs/t/signals/history", "--data", "data", "--out", "runs/t/backtest"], in: url)
        try run(["evaluate", "--checkpoint", "checkpoints/t/pretrained.safetensors", "--config", "tiny.yaml", "--universe", "demo.yaml",
                 "--data", "data", "--run", "t", "--category", "us_stocks"], in: url)
        return url
    }

    /// The serve config of the fixture (run `t`, seed 5, 4 samples), with `change` applied.
    static func config(_ change: (inout ServeConfig) -> Void = { _ in }) -> ServeConfig {
        var config = ServeConfig()
        config.run = "t"
        config.universe = "demo.yaml"
        config.data = "data"
        config.samples = Int(samples)!
        config.seed = UInt64(seed)!
        config.port = 0
        change(&config)
        return config
    }

    /// Server state over the fixture workspace, jobs in a fresh folder unless `jobs` is given.
    static func state(_ change: (inout ServeConfig) -> Void = { _ in }, environment: [String: String] = [:]) throws -> ServerState {
        let directory = try workspace.get()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let config = config { config in
            config.jobs = "jobs-\(UUID().uuidString.prefix(8))"
            change(&config)
        }
        return try ServerState(config: config, workingDirectory: directory, version: "test", logger: logger, environment: environment)
    }

    /// Parses a JSON body.
    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    /// The interpreter of the venv (`MARKETGPT_PYTHON`), when set and present.
    static var python: String? {
        guard let path = ProcessInfo.processInfo.environment["MARKETGPT_PYTHON"], FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }

    private final class Marker {}
}
