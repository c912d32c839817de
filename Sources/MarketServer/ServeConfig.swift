// configs/serve.yaml: where `marketgpt serve` listens, what it serves and its limits (strict: unknown keys are errors).
import Foundation
import MarketSupport
import MarketTraining

/// The `marketgpt serve` config. Every key is optional (default shown); `--host`/`--port` override.
/// Paths are relative to the working folder. With no config the server serves the quickstart's run
/// (`runs/quickstart`, `checkpoints/quickstart`, its universe copy, data folder and signal files).
public struct ServeConfig: Codable, Equatable, Sendable {
    /// Address to bind. Default `127.0.0.1`; any other address needs a bearer token for mutating endpoints.
    public var host = "127.0.0.1"
    /// TCP port (0: any free port). Default 8080.
    public var port = 8080
    /// The run served by default: `runs/<run>/`, `checkpoints/<run>/`. Default `quickstart`.
    public var run = "quickstart"
    /// Folder of runs (each sub-folder one run). Default `runs`.
    public var runs = "runs"
    /// Checkpoint folder of the forecasting models. Default `checkpoints/<run>`.
    public var checkpoints: String?
    /// Universe YAML. Default `runs/<run>/universe.yaml`.
    public var universe: String?
    /// Data folder of OHLCV CSVs. Default `runs/<run>/data`.
    public var data: String?
    /// Folder of `<date>.csv` signal files. Default `runs/<run>/signals`.
    public var signals: String?
    /// Folder of synth jobs (`<id>/`). Default `runs/serve/jobs`.
    public var jobs = "runs/serve/jobs"
    /// Bearer token for mutating endpoints (jobs, cancel). Default none; see `tokenEnv`.
    public var token: String?
    /// Environment variable read for the token when `token` is absent. Default `MARKETGPT_SERVE_TOKEN`.
    public var tokenEnv = "MARKETGPT_SERVE_TOKEN"
    /// Largest request body in bytes (larger → 413). Default 50 MB.
    public var bodyLimitBytes = 50 * 1_000_000
    /// Per-request timeout in seconds (→ 504). Default 30.
    public var requestTimeoutSeconds = 30.0
    /// Synth jobs running at once. Default 1.
    public var jobConcurrency = 1
    /// Synth jobs waiting at most (more → 429). Default 8.
    public var jobQueueLimit = 8
    /// Threads of one synth job's candidate generation. Default 2.
    public var jobThreads = 2
    /// S: MC-dropout passes per forecast (request may override, 1…`maxSamples`). Default 20.
    public var samples = 20
    /// Largest `samples` a request may ask for. Default 200.
    public var maxSamples = 200
    /// Seed of the MC-dropout draws and gap fills (as `marketgpt signals --seed`). Default 0.
    public var seed: UInt64 = 0
    /// Decision horizon h in days (as `signals --horizon`). Default 1.
    public var horizon = 1
    /// Minimum confidence for BUY/SELL (as `signals --confidence-threshold`). Default 0.7.
    public var confidenceThreshold = 0.7
    /// Minimum |expected return| for BUY/SELL (as `signals --min-return`). Default 0.02.
    public var minReturn = 0.02
    /// Largest age in days of the latest real bar (as `signals --max-stale-days`). Default 5.
    public var maxStaleDays = 5
    /// Fill gaps before scoring (as the signals config's `gap_fill`). Default true.
    public var gapFill = true
    /// Models: `registry` (each category with a `production` promotion in the run registry is scored by
    /// that checkpoint, the others by the checkpoint folder's — as `marketgpt nightly`) or `folder` (the
    /// checkpoint folder only). Default `registry`.
    public var models = ModelSource.registry
    /// The run registry read for production promotions (never created by the server). Default `runs/registry.sqlite`.
    public var registry = "runs/registry.sqlite"
    /// Seconds between two reads of the registry's promotions while serving (0: read once at start). Default 10.
    public var registryPollSeconds = 10.0
    /// Score the latest date in the background at start (`/health` says `warming`), so the first forecast of
    /// that date is answered from the cache. Default true.
    public var warmStart = true

    /// Where the forecasting checkpoints come from.
    public enum ModelSource: String, Codable, Sendable { case registry, folder }

    enum CodingKeys: String, CodingKey {
        case host, port, run, runs, checkpoints, universe, data, signals, jobs, token
        case tokenEnv = "token_env", bodyLimitBytes = "body_limit_bytes", requestTimeoutSeconds = "request_timeout_s"
        case jobConcurrency = "job_concurrency", jobQueueLimit = "job_queue_limit", jobThreads = "job_threads"
        case samples, maxSamples = "max_samples", seed, horizon
        case confidenceThreshold = "confidence_threshold", minReturn = "min_return", maxStaleDays = "max_stale_days"
        case gapFill = "gap_fill", models, registry, registryPollSeconds = "registry_poll_s", warmStart = "warm_start"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServeConfig()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        run = try c.decodeIfPresent(String.self, forKey: .run) ?? d.run
        runs = try c.decodeIfPresent(String.self, forKey: .runs) ?? d.runs
        checkpoints = try c.decodeIfPresent(String.self, forKey: .checkpoints)
        universe = try c.decodeIfPresent(String.self, forKey: .universe)
        data = try c.decodeIfPresent(String.self, forKey: .data)
        signals = try c.decodeIfPresent(String.self, forKey: .signals)
        jobs = try c.decodeIfPresent(String.self, forKey: .jobs) ?? d.jobs
        token = try c.decodeIfPresent(String.self, forKey: .token)
        tokenEnv = try c.decodeIfPresent(String.self, forKey: .tokenEnv) ?? d.tokenEnv
        bodyLimitBytes = try c.decodeIfPresent(Int.self, forKey: .bodyLimitBytes) ?? d.bodyLimitBytes
        requestTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .requestTimeoutSeconds) ?? d.requestTimeoutSeconds
        jobConcurrency = try c.decodeIfPresent(Int.self, forKey: .jobConcurrency) ?? d.jobConcurrency
        jobQueueLimit = try c.decodeIfPresent(Int.self, forKey: .jobQueueLimit) ?? d.jobQueueLimit
        jobThreads = try c.decodeIfPresent(Int.self, forKey: .jobThreads) ?? d.jobThreads
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        maxSamples = try c.decodeIfPresent(Int.self, forKey: .maxSamples) ?? d.maxSamples
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        horizon = try c.decodeIfPresent(Int.self, forKey: .horizon) ?? d.horizon
        confidenceThreshold = try c.decodeIfPresent(Double.self, forKey: .confidenceThreshold) ?? d.confidenceThreshold
        minReturn = try c.decodeIfPresent(Double.self, forKey: .minReturn) ?? d.minReturn
        maxStaleDays = try c.decodeIfPresent(Int.self, forKey: .maxStaleDays) ?? d.maxStaleDays
        gapFill = try c.decodeIfPresent(Bool.self, forKey: .gapFill) ?? d.gapFill
        models = try c.decodeIfPresent(ModelSource.self, forKey: .models) ?? d.models
        registry = try c.decodeIfPresent(String.self, forKey: .registry) ?? d.registry
        registryPollSeconds = try c.decodeIfPresent(Double.self, forKey: .registryPollSeconds) ?? d.registryPollSeconds
        warmStart = try c.decodeIfPresent(Bool.self, forKey: .warmStart) ?? d.warmStart
    }

    /// Reads `url` strictly: bad YAML, wrong types, unknown keys and out-of-range values are one-line errors.
    public static func load(_ url: URL) throws -> ServeConfig {
        let config = try StrictYAML.load(ServeConfig.self, from: url)
        do { try config.validate() } catch let error as ConfigValueError {
            throw ConfigError(file: url.path, line: nil, keyPath: error.keyPath.joined(separator: "."), reason: error.reason)
        }
        return config
    }

    /// `checkpoints/<run>` unless set.
    public var checkpointsPath: String { checkpoints ?? "checkpoints/\(run)" }
    /// `runs/<run>/universe.yaml` unless set.
    public var universePath: String { universe ?? "\(runs)/\(run)/universe.yaml" }
    /// `runs/<run>/data` unless set.
    public var dataPath: String { data ?? "\(runs)/\(run)/data" }
    /// `runs/<run>/signals` unless set.
    public var signalsPath: String { signals ?? "\(runs)/\(run)/signals" }

    /// The bearer token: `token`, else the environment variable `tokenEnv` (empty = none).
    public func resolvedToken(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let value = token ?? environment[tokenEnv]
        return (value?.isEmpty ?? true) ? nil : value
    }

    /// True when `host` is a loopback address (no token needed).
    public var isLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.") }
}

extension ServeConfig: ValidatedConfig {
    public func validate() throws {
        func bad(_ key: CodingKeys, _ reason: String) -> ConfigValueError { ConfigValueError(keyPath: [key.rawValue], reason: reason) }
        if !(0...65535).contains(port) { throw bad(.port, "must be in 0...65535, found \(port)") }
        if bodyLimitBytes < 1 { throw bad(.bodyLimitBytes, "must be ≥ 1, found \(bodyLimitBytes)") }
        if !(requestTimeoutSeconds > 0) { throw bad(.requestTimeoutSeconds, "must be > 0, found \(requestTimeoutSeconds)") }
        if !(1...16).contains(jobConcurrency) { throw bad(.jobConcurrency, "must be in 1...16, found \(jobConcurrency)") }
        if !(0...1000).contains(jobQueueLimit) { throw bad(.jobQueueLimit, "must be in 0...1000, found \(jobQueueLimit)") }
        if !(1...64).contains(jobThreads) { throw bad(.jobThreads, "must be in 1...64, found \(jobThreads)") }
        if samples < 1 { throw bad(.samples, "must be ≥ 1, found \(samples)") }
        if maxSamples < samples { throw bad(.maxSamples, "must be ≥ samples (\(samples)), found \(maxSamples)") }
        if horizon < 1 { throw bad(.horizon, "must be ≥ 1, found \(horizon)") }
        if !(0...1).contains(confidenceThreshold) { throw bad(.confidenceThreshold, "must be in [0, 1], found \(confidenceThreshold)") }
        if !(minReturn >= 0) { throw bad(.minReturn, "must be ≥ 0, found \(minReturn)") }
        if maxStaleDays < 0 { throw bad(.maxStaleDays, "must be ≥ 0, found \(maxStaleDays)") }
        if !(registryPollSeconds >= 0 && registryPollSeconds <= 86_400) {
            throw bad(.registryPollSeconds, "must be in 0...86400 seconds, found \(registryPollSeconds)")
        }
        if !ServerPaths.isSafeName(run) { throw bad(.run, "must be a plain folder name, found '\(run)'") }
    }
}
