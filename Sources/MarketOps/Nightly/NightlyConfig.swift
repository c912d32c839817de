// configs/nightly.yaml: the nightly run's settings (strict: unknown keys are an error, defaults documented).
import Foundation
import MarketTraining
import MarketSupport

/// What the drift gate does when it finds drift.
public enum DriftGateMode: String, Codable, Sendable {
    /// Record and notify, then score anyway.
    case warn
    /// Record and notify, and stop before scoring (exit 4).
    case stop
    /// Skip the drift gate.
    case off
}

/// The `marketgpt nightly` config. Every key is optional (defaults shown).
public struct NightlyConfig: Codable, Equatable, Sendable, ValidatedConfig {
    /// Universe YAML. Default `universes/global.yaml`.
    public var universe = "universes/global.yaml"
    /// Data folder (fetched into, then scored). Default `data`.
    public var data = "data"
    /// The signals config (thresholds, samples, seed, output folder, fallback checkpoints). Default `configs/signals.yaml`.
    public var signalsConfig = "configs/signals.yaml"
    /// The run registry (production checkpoints are read from it, the run is registered in it). Default `runs/registry.sqlite`.
    public var registry = "runs/registry.sqlite"
    /// Models: `registry` (the production checkpoint of each category; categories without one use the
    /// signals config's checkpoints) or `config` (the signals config's checkpoints only). Default `registry`.
    public var models = ModelSource.registry
    /// The folder whose run lock (`<lock>/.lock`, MarketData's `RunLock`) keeps two nightly runs from overlapping.
    /// Default `runs/nightly`.
    public var lock = "runs/nightly"
    /// Folder of the JSON summaries (`<date>.json`, plus `latest.json`). Default `runs/nightly`.
    public var summaries = "runs/nightly"
    /// Skip the fetch step (data refreshed by other means). Default false.
    public var skipFetch = false
    /// The fetch settings.
    public var fetch = FetchSettings()
    /// The coverage check after the fetch.
    public var coverage = CoverageSettings()
    /// The drift gate.
    public var drift = DriftSettings()
    /// Webhook notifications (events `finish`, `failure`, `drift`). Default none.
    public var notify: NotifySettings?

    public enum ModelSource: String, Codable, Sendable { case registry, config }

    /// `coverage: {max_failed_share: 0.05, max_stale_share: 0.2}`.
    public struct CoverageSettings: Codable, Equatable, Sendable {
        /// Largest share of assets whose fetch failed (or history changed) before the run stops (exit 5). Default 0.05.
        public var maxFailedShare = 0.05
        /// Largest share of assets without a bar in the last 5 calendar days before the run stops (exit 5). Default 0.25.
        public var maxStaleShare = 0.25
        public init() {}
        enum CodingKeys: String, CodingKey { case maxFailedShare = "max_failed_share", maxStaleShare = "max_stale_share" }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxFailedShare = try c.decodeIfPresent(Double.self, forKey: .maxFailedShare) ?? 0.05
            maxStaleShare = try c.decodeIfPresent(Double.self, forKey: .maxStaleShare) ?? 0.25
        }
    }

    /// `drift: {mode: warn|stop|off, window: 60, level: 0.05, checkpoint: FILE}`.
    public struct DriftSettings: Codable, Equatable, Sendable {
        public var mode = DriftGateMode.warn
        public var window = 60
        public var level = 0.05
        /// The checkpoint whose reference is used. Default: the first production checkpoint, else the
        /// signals config's `pretrained.safetensors`.
        public var checkpoint: String?
        public init() {}
        enum CodingKeys: String, CodingKey { case mode, window, level, checkpoint }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            mode = try c.decodeIfPresent(DriftGateMode.self, forKey: .mode) ?? .warn
            window = try c.decodeIfPresent(Int.self, forKey: .window) ?? 60
            level = try c.decodeIfPresent(Double.self, forKey: .level) ?? 0.05
            checkpoint = try c.decodeIfPresent(String.self, forKey: .checkpoint)
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case universe, data, signalsConfig = "signals_config", registry, models, lock, summaries, skipFetch = "skip_fetch"
        case fetch, coverage, drift, notify
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NightlyConfig()
        universe = try c.decodeIfPresent(String.self, forKey: .universe) ?? d.universe
        data = try c.decodeIfPresent(String.self, forKey: .data) ?? d.data
        signalsConfig = try c.decodeIfPresent(String.self, forKey: .signalsConfig) ?? d.signalsConfig
        registry = try c.decodeIfPresent(String.self, forKey: .registry) ?? d.registry
        models = try c.decodeIfPresent(ModelSource.self, forKey: .models) ?? d.models
        lock = try c.decodeIfPresent(String.self, forKey: .lock) ?? d.lock
        summaries = try c.decodeIfPresent(String.self, forKey: .summaries) ?? d.summaries
        skipFetch = try c.decodeIfPresent(Bool.self, forKey: .skipFetch) ?? d.skipFetch
        fetch = try c.decodeIfPresent(FetchSettings.self, forKey: .fetch) ?? d.fetch
        coverage = try c.decodeIfPresent(CoverageSettings.self, forKey: .coverage) ?? d.coverage
        drift = try c.decodeIfPresent(DriftSettings.self, forKey: .drift) ?? d.drift
        notify = try c.decodeIfPresent(NotifySettings.self, forKey: .notify)
    }

    public func validate() throws {
        do { try fetch.validate() } catch let error as ConfigValueError { throw error.prefixed("fetch") }
        do { try notify?.validate() } catch let error as ConfigValueError { throw error.prefixed("notify") }
        for (key, value) in [("max_failed_share", coverage.maxFailedShare), ("max_stale_share", coverage.maxStaleShare)] where !(0...1).contains(value) {
            throw ConfigValueError(keyPath: ["coverage", key], reason: "must be in [0, 1], found \(value)")
        }
        if !(2...5000).contains(drift.window) { throw ConfigValueError(keyPath: ["drift", "window"], reason: "must be in 2...5000, found \(drift.window)") }
        if !(drift.level > 0 && drift.level < 1) { throw ConfigValueError(keyPath: ["drift", "level"], reason: "must be in (0, 1), found \(drift.level)") }
    }

    /// Reads `url` strictly (`StrictYAML`).
    public static func load(_ url: URL) throws -> NightlyConfig { try StrictYAML.load(NightlyConfig.self, from: url) }
}
