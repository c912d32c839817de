// `marketgpt serve`: the REST API, background synth jobs and the web dashboard (MarketServer on Hummingbird).
import ArgumentParser
import Dispatch
import Foundation
import Logging
import MarketServer
import MarketTraining

/// Starts the server and blocks until SIGTERM or SIGINT (graceful: requests in flight finish).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API (/openapi.json, /health, /v1/...), background synth jobs and the web dashboard at /.",
        discussion: """
            With no config it serves the quickstart's run (runs/quickstart, checkpoints/quickstart). Binds \
            127.0.0.1 by default; any other --host needs a bearer token (config 'token' or $MARKETGPT_SERVE_TOKEN) \
            for the mutating endpoints. One structured log line per request on stderr; SIGTERM/SIGINT stop it \
            gracefully. Exit 0 after a clean stop, 1 when it cannot start (one line on stderr).
            """)

    @Option(help: "Serve config YAML (default configs/serve.yaml when present).")
    var config: String?

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port (default 8080; 0 = any free port).")
    var port: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if let port { try requireOption("--port", port, in: OptionLimits.port) }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel): not a log level") }
    }

    func run() throws {
        var settings = ServeConfig()
        let path = config ?? "configs/serve.yaml"
        if FileManager.default.fileExists(atPath: path) {
            do { settings = try ServeConfig.load(URL(fileURLWithPath: path)) } catch let error as CustomStringConvertible & Error {
                throw DataCommandFailure(error.description)
            }
        } else if config != nil {
            throw DataCommandFailure("\(path): config file not found")
        }
        if let host { settings.host = host }
        if let port { settings.port = port }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "marketgpt.serve")
        let state: ServerState
        do {
            state = try ServerState(config: settings, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                    version: MarketGPTVersion.string, logger: logger)
        } catch let error as ServeStartError {
            throw DataCommandFailure(error.description)
        }
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task.detached {
            do { try await MarketServer.run(state) } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw DataCommandFailure("serve: \(error)") }
    }
}

/// The server task's error, handed back to the blocked main thread.
private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
