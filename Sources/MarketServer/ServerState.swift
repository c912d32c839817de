// What every route shares: the config, folders, start time, version, the forecasting model and the job queue.
import Foundation
import MarketSupport
import Logging

/// The server's shared state, built once at start.
public final class ServerState: @unchecked Sendable {
    public let config: ServeConfig
    public let workingDirectory: URL
    public let version: String
    public let started = Date()
    public let logger: Logger
    public let forecasts: ForecastService
    public let jobs: SynthJobQueue
    /// The bearer token required for mutating endpoints (nil: none required).
    public let token: String?

    /// Folder of runs (`runs/`).
    public var runsRoot: URL { ServerPaths.resolve(config.runs, in: workingDirectory) }
    /// Folder of the served run's signal files.
    public var signalsRoot: URL { ServerPaths.resolve(config.signalsPath, in: workingDirectory) }

    /// Loads the model and the jobs. Throws when bound to a non-loopback address without a token, or when
    /// the jobs folder cannot be created.
    public init(config: ServeConfig, workingDirectory: URL, version: String, logger: Logger,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.config = config
        self.workingDirectory = workingDirectory
        self.version = version
        self.logger = logger
        let token = config.resolvedToken(environment: environment)
        if !config.isLoopback && token == nil {
            throw ServeStartError("serve: binding \(config.host) (not loopback) needs a bearer token: set 'token' in the config or the environment variable \(config.tokenEnv)")
        }
        self.token = config.isLoopback ? token : token
        forecasts = ForecastService(config: config, workingDirectory: workingDirectory)
        jobs = try SynthJobQueue(root: ServerPaths.resolve(config.jobs, in: workingDirectory), concurrency: config.jobConcurrency,
                                 queueLimit: config.jobQueueLimit, threads: config.jobThreads, logger: logger)
        if let problem = forecasts.modelProblem {
            logger.warning("no model loaded: forecasts answer 503", metadata: ["reason": .string(problem)])
        }
        for problem in forecasts.registryProblems { logger.warning("registry", metadata: ["problem": .string(problem)]) }
        Self.log(forecasts.served, logger)
        if forecasts.registryURL != nil, config.registryPollSeconds > 0 { startRegistryPoll(every: config.registryPollSeconds) }
    }

    deinit { pollTimer?.cancel() }

    private var pollTimer: DispatchSourceTimer?

    /// Re-reads the registry's promotions every `seconds` on the forecasting queue (between forecasts); logs
    /// each change of the served models and each new problem.
    private func startRegistryPoll(every seconds: Double) {
        let timer = DispatchSource.makeTimerSource(queue: Blocking.serial)
        let interval = DispatchTimeInterval.milliseconds(Int(seconds * 1000))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
        let logger = self.logger
        timer.setEventHandler { [weak forecasts] in
            guard let forecasts else { return }
            let before = forecasts.registryProblems
            if let served = forecasts.refreshModels() { Self.log(served, logger) }
            for problem in forecasts.registryProblems where !before.contains(problem) {
                logger.warning("registry", metadata: ["problem": .string(problem)])
            }
        }
        timer.resume()
        pollTimer = timer
    }

    /// One log line per category: which checkpoint serves it.
    private static func log(_ served: [ServedModel], _ logger: Logger) {
        for model in served {
            logger.info("model", metadata: ["category": .string(model.category), "source": .string(model.source),
                                            "checkpoint": .string(model.checkpoint), "run": .string(model.runID ?? "-")])
        }
    }

    /// Seconds since start.
    public var uptime: Double { Date().timeIntervalSince(started) }
}

/// A one-line reason the server cannot start.
public struct ServeStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
