// configs/signals.yaml: the nightly signal run's settings (strict: unknown keys are an error).
import Foundation
import MarketSupport
import MarketSupport

/// The signal run's config (`configs/signals.yaml`, `marketgpt signals`). Every field is optional in the file (default shown); every command-line
/// option overrides it.
public struct SignalsConfig: Codable, Equatable, Sendable {
    /// Universe YAML. Default `universes/global.yaml`.
    public var universe = "universes/global.yaml"
    /// Folder of OHLCV CSVs. Default `data`.
    public var data = "data"
    /// Checkpoint folder: `model_finetuned_<category>.safetensors` scores its category, `pretrained.safetensors`
    /// the others. Default `checkpoints/pretrain`.
    public var checkpoints = "checkpoints/pretrain"
    /// One checkpoint file scoring every category (overrides `checkpoints`). Default none.
    public var checkpoint: String?
    /// Output folder of `<date>.csv` / `<date>.json`. Default `signals`.
    public var out = "signals"
    /// S: MC-dropout passes per asset. Default 20.
    public var samples = 20
    /// h: decision horizon in days, 1 ≤ h ≤ H. Default 1 (the next day).
    public var horizon = 1
    /// Minimum confidence Φ(|μ|/σ) for BUY/SELL. Default 0.7 (the design's nightly example: 0.75).
    public var confidenceThreshold = 0.7
    /// Minimum |expected return| over the horizon, a fraction. Default 0.02 (nightly example: 0.015).
    public var minReturn = 0.02
    /// Largest age in calendar days of the latest real bar before the date; older → HOLD `stale data`. Default 5.
    public var maxStaleDays = 5
    /// Seed of the MC-dropout draws and of the gap fills. Default 0.
    public var seed: UInt64 = 0
    /// Fill gaps and back-fill short histories with the synthetic engine (flagged) before scoring. Default true.
    public var gapFill = true

    enum CodingKeys: String, CodingKey {
        case universe, data, checkpoints, checkpoint, out, samples, horizon
        case confidenceThreshold = "confidence_threshold", minReturn = "min_return", maxStaleDays = "max_stale_days"
        case seed, gapFill = "gap_fill"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SignalsConfig()
        universe = try c.decodeIfPresent(String.self, forKey: .universe) ?? d.universe
        data = try c.decodeIfPresent(String.self, forKey: .data) ?? d.data
        checkpoints = try c.decodeIfPresent(String.self, forKey: .checkpoints) ?? d.checkpoints
        checkpoint = try c.decodeIfPresent(String.self, forKey: .checkpoint)
        out = try c.decodeIfPresent(String.self, forKey: .out) ?? d.out
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        horizon = try c.decodeIfPresent(Int.self, forKey: .horizon) ?? d.horizon
        confidenceThreshold = try c.decodeIfPresent(Double.self, forKey: .confidenceThreshold) ?? d.confidenceThreshold
        minReturn = try c.decodeIfPresent(Double.self, forKey: .minReturn) ?? d.minReturn
        maxStaleDays = try c.decodeIfPresent(Int.self, forKey: .maxStaleDays) ?? d.maxStaleDays
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        gapFill = try c.decodeIfPresent(Bool.self, forKey: .gapFill) ?? d.gapFill
    }

    /// Reads `url` strictly (`StrictYAML`): bad YAML, wrong types, unknown keys and out-of-range values are
    /// errors naming the file, line and key.
    public static func load(_ url: URL) throws -> SignalsConfig { try StrictYAML.load(SignalsConfig.self, from: url) }
}

extension SignalsConfig: ValidatedConfig {
    public func validate() throws {
        func bad(_ key: CodingKeys, _ reason: String) -> ConfigValueError { ConfigValueError(keyPath: [key.rawValue], reason: reason) }
        if !(1...10_000).contains(samples) { throw bad(.samples, "must be in 1...10000, found \(samples)") }
        if horizon < 1 { throw bad(.horizon, "must be ≥ 1, found \(horizon)") }
        if !(0...1).contains(confidenceThreshold) { throw bad(.confidenceThreshold, "must be in [0, 1], found \(confidenceThreshold)") }
        if !(minReturn >= 0) { throw bad(.minReturn, "must be ≥ 0 (a fraction, 0.02 = 2%), found \(minReturn)") }
        if maxStaleDays < 0 { throw bad(.maxStaleDays, "must be ≥ 0, found \(maxStaleDays)") }
    }
}
