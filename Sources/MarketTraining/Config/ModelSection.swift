// The `model:` section of a training config — MarketTraining's own mirror until MarketModel's ModelConfig lands.

import MarketModel
import MarketData
import MarketSupport

/// The model hyper-parameters as read from a config's `model:` section (defaults = the reference
/// model of issue 5 in brackets). Asset and category counts come from the universe, not from here.
/// ADAPTER: `MarketModel` will define the authoritative `ModelConfig`; the trainer maps this section
/// onto it (same names) until the config layout switches to it.
public struct ModelSection: Codable, Equatable, Sendable, ValidatedConfig {
    /// The predictive distribution of the head.
    public enum Head: String, Codable, Sendable { case gaussian, studentT = "student_t" }

    /// `context_length` [64]: bars of context T.
    public var contextLength: Int = 64
    /// `features` [the seven base features]: the input features by name, e.g.
    /// `[log_return, rsi_14, macd_hist, synthetic]` (`marketgpt features --list`); F = their count.
    /// The legacy form `features: 7` means the seven base features.
    public var features: FeatureSet = .standard
    /// `width` [128]: model width C.
    public var width: Int = 128
    /// `layers` [4]: transformer blocks.
    public var layers: Int = 4
    /// `heads` [4]: attention heads NH (width must be a multiple; head size HS = C / NH).
    public var heads: Int = 4
    /// `mlp_ratio` [4]: hidden width of each block's MLP as a multiple of C.
    public var mlpRatio: Int = 4
    /// `dropout` [0.1]: dropout in the blocks (also the MC-dropout rate at inference).
    public var dropout: Double = 0.1
    /// `asset_embedding_dropout` [0.1]: probability of dropping a window's asset embedding in training,
    /// so the category embedding alone must carry market-wide behaviour.
    public var assetEmbeddingDropout: Double = 0.1
    /// `horizon` [5]: forecast steps H.
    public var horizon: Int = 5
    /// `head` [gaussian]: `gaussian` or `student_t`.
    public var head: Head = .gaussian
    /// `degrees_of_freedom` [5]: ν of the Student-t head (> 2 so its variance exists; ignored for `gaussian`).
    public var degreesOfFreedom: Double = 5

    /// The defaults (the reference model).
    public init() {}

    enum CodingKeys: String, CodingKey {
        case contextLength = "context_length", features, width, layers, heads, mlpRatio = "mlp_ratio"
        case dropout, assetEmbeddingDropout = "asset_embedding_dropout", horizon, head, degreesOfFreedom = "degrees_of_freedom"
    }

    /// Decodes with a default for every missing key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelSection()
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? d.contextLength
        features = try Self.decodeFeatures(c) ?? d.features
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? d.dropout
        assetEmbeddingDropout = try c.decodeIfPresent(Double.self, forKey: .assetEmbeddingDropout) ?? d.assetEmbeddingDropout
        horizon = try c.decodeIfPresent(Int.self, forKey: .horizon) ?? d.horizon
        head = try c.decodeIfPresent(Head.self, forKey: .head) ?? d.head
        degreesOfFreedom = try c.decodeIfPresent(Double.self, forKey: .degreesOfFreedom) ?? d.degreesOfFreedom
    }

    /// `features:` as a list of names, or the legacy count 7 (the standard set); nil when absent.
    private static func decodeFeatures(_ c: KeyedDecodingContainer<CodingKeys>) throws -> FeatureSet? {
        guard c.contains(.features) else { return nil }
        if let count = try? c.decode(Int.self, forKey: .features) {
            guard count == MarketFeatures.count else {
                throw DecodingError.dataCorruptedError(forKey: .features, in: c, debugDescription:
                    "is \(count); give the feature names as a list (a count means the \(MarketFeatures.count) base features)")
            }
            return .standard
        }
        let names: [String]
        do { names = try c.decode([String].self, forKey: .features) } catch {
            throw DecodingError.dataCorruptedError(forKey: .features, in: c, debugDescription: "must be a list of feature names (marketgpt features --list)")
        }
        do { return try FeatureSet(names: names) } catch let error as FeatureSetError {
            throw DecodingError.dataCorruptedError(forKey: .features, in: c, debugDescription: error.reason)
        }
    }

    /// Encodes every key; `features` as its list of names.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encode(features.names, forKey: .features)
        try c.encode(width, forKey: .width)
        try c.encode(layers, forKey: .layers)
        try c.encode(heads, forKey: .heads)
        try c.encode(mlpRatio, forKey: .mlpRatio)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(assetEmbeddingDropout, forKey: .assetEmbeddingDropout)
        try c.encode(horizon, forKey: .horizon)
        try c.encode(head, forKey: .head)
        try c.encode(degreesOfFreedom, forKey: .degreesOfFreedom)
    }

    /// Sizes within `ModelConfig.Limits` (and the model within its parameter budget), width divisible by
    /// heads, dropouts in [0, 1).
    public func validate() throws {
        typealias Limits = ModelConfig.Limits
        for (key, value, range) in [(CodingKeys.contextLength, contextLength, Limits.contextLength), (.features, features.count, Limits.featureCount),
                                    (.width, width, Limits.width), (.layers, layers, Limits.layers), (.heads, heads, Limits.heads),
                                    (.mlpRatio, mlpRatio, Limits.mlpRatio), (.horizon, horizon, Limits.horizon)] where !range.contains(value) {
            throw ConfigValueError(keyPath: [key.rawValue], reason: "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
        let parameters = ModelConfig.estimatedParameters(width: width, layers: layers, mlpRatio: mlpRatio, rows: contextLength + features.count)
        guard parameters <= Double(Limits.parameters) else {
            throw ConfigValueError(keyPath: [CodingKeys.width.rawValue], reason: "width \(width) × layers \(layers) × mlp_ratio \(mlpRatio) makes ≈ \(Int(parameters)) parameters, above the \(Limits.parameters) limit")
        }
        guard width % heads == 0 else {
            throw ConfigValueError(keyPath: [CodingKeys.heads.rawValue], reason: "width \(width) is not a multiple of heads \(heads)")
        }
        guard degreesOfFreedom > 2 else {
            throw ConfigValueError(keyPath: [CodingKeys.degreesOfFreedom.rawValue], reason: "must be > 2, found \(degreesOfFreedom)")
        }
        for (key, value) in [(CodingKeys.dropout, dropout), (.assetEmbeddingDropout, assetEmbeddingDropout)] where !(0..<1).contains(value) {
            throw ConfigValueError(keyPath: [key.rawValue], reason: "must be in [0, 1), found \(value)")
        }
    }
}
