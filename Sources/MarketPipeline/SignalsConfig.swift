// configs/signals.yaml: the nightly signal run's settings (strict: unknown keys are an error).
import Foundation
import MarketSignals
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
    /// Confidence definition: `probabilistic` (default), `epistemic` (needs `epistemic_scale` or a rule file) or `agreement`.
    public var confidence = "probabilistic"
    /// s of the epistemic confidence 1/(1 + σ_epi/s). Default none (taken from the rule file).
    public var epistemicScale: Double?
    /// Use `<checkpoint>.signal_rule.json` (from `calibrate-signals`) when present. Default true.
    public var signalRule = true
    /// Folder of target-weight files `<date>.csv` (date,ticker,weight); none = no weights. Default none.
    public var weightsOut: String?
    /// Sizing of the weights: `kelly` (fractional Kelly μ/σ²) or `confidence` (confidence-scaled equal weight). Default kelly.
    public var sizing = "kelly"
    /// `long_only` (SELL → flat) or `long_short`. Default long_only.
    public var weightsMode = "long_only"
    /// Multiplier of the full Kelly weight. Default 0.25.
    public var kellyFraction = 0.25
    /// Largest |weight| per asset. Default 0.10.
    public var maxWeight = 0.10
    /// Largest Σ|weight|. Default 1.0.
    public var maxGross = 1.0
    /// Keep the previous weight when the new one is within this distance. Default 0.01.
    public var noTradeBand = 0.01

    enum CodingKeys: String, CodingKey {
        case universe, data, checkpoints, checkpoint, out, samples, horizon
        case confidenceThreshold = "confidence_threshold", minReturn = "min_return", maxStaleDays = "max_stale_days"
        case seed, gapFill = "gap_fill"
        case confidence, epistemicScale = "epistemic_scale", signalRule = "signal_rule", weightsOut = "weights_out", sizing
        case weightsMode = "weights_mode", kellyFraction = "kelly_fraction", maxWeight = "max_weight", maxGross = "max_gross"
        case noTradeBand = "no_trade_band"
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
        confidence = try c.decodeIfPresent(String.self, forKey: .confidence) ?? d.confidence
        epistemicScale = try c.decodeIfPresent(Double.self, forKey: .epistemicScale)
        signalRule = try c.decodeIfPresent(Bool.self, forKey: .signalRule) ?? d.signalRule
        weightsOut = try c.decodeIfPresent(String.self, forKey: .weightsOut)
        sizing = try c.decodeIfPresent(String.self, forKey: .sizing) ?? d.sizing
        weightsMode = try c.decodeIfPresent(String.self, forKey: .weightsMode) ?? d.weightsMode
        kellyFraction = try c.decodeIfPresent(Double.self, forKey: .kellyFraction) ?? d.kellyFraction
        maxWeight = try c.decodeIfPresent(Double.self, forKey: .maxWeight) ?? d.maxWeight
        maxGross = try c.decodeIfPresent(Double.self, forKey: .maxGross) ?? d.maxGross
        noTradeBand = try c.decodeIfPresent(Double.self, forKey: .noTradeBand) ?? d.noTradeBand
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
        if !ConfidenceMeasure.names.contains(confidence) {
            throw bad(.confidence, "must be one of \(ConfidenceMeasure.names.joined(separator: ", ")), found '\(confidence)'")
        }
        if let epistemicScale, !(epistemicScale > 0 && epistemicScale.isFinite) { throw bad(.epistemicScale, "must be > 0, found \(epistemicScale)") }
        if SizingOptions.Method(rawValue: sizing) == nil { throw bad(.sizing, "must be kelly or confidence, found '\(sizing)'") }
        if SizingOptions.Side(rawValue: weightsMode) == nil { throw bad(.weightsMode, "must be long_only or long_short, found '\(weightsMode)'") }
        if !(kellyFraction > 0 && kellyFraction <= 1) { throw bad(.kellyFraction, "must be in (0, 1], found \(kellyFraction)") }
        if !(maxWeight > 0 && maxWeight <= 1) { throw bad(.maxWeight, "must be in (0, 1], found \(maxWeight)") }
        if !(maxGross > 0 && maxGross <= 10) { throw bad(.maxGross, "must be in (0, 10], found \(maxGross)") }
        if !(noTradeBand >= 0 && noTradeBand < 1) { throw bad(.noTradeBand, "must be in [0, 1), found \(noTradeBand)") }
    }
}

extension SignalsConfig {
    /// The sizing options of the weight files.
    public var sizingOptions: SizingOptions {
        var options = SizingOptions()
        options.method = SizingOptions.Method(rawValue: sizing) ?? .kelly
        options.side = SizingOptions.Side(rawValue: weightsMode) ?? .longOnly
        options.kellyFraction = kellyFraction
        options.maxWeight = maxWeight
        options.maxGross = maxGross
        options.noTradeBand = noTradeBand
        return options
    }
}
