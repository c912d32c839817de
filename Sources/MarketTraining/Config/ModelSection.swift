// The `model:` section of a training config: MarketModel's ModelConfig plus the feature names.

import MarketModel
import MarketData
import MarketSupport

/// The `model:` section of a training config: MarketModel's `ModelConfig` (the one place of every
/// hyper-parameter, its default and its valid range) plus the input features by name. The YAML keys are
/// `ModelConfig`'s; `features` is a list of names here (F = its count), and the asset and category counts
/// come from the universe (`modelConfig(assetCount:categoryCount:)`), so neither is a key of this section.
public struct ModelSection: Codable, Equatable, Sendable, ValidatedConfig {
    /// The predictive distribution of the head (`gaussian` or `student_t`).
    public typealias Head = HeadKind

    /// The architecture: every hyper-parameter with `ModelConfig`'s default (the reference model);
    /// its `featureCount` follows `features`.
    public var architecture = ModelConfig()
    /// `features` [the seven base features]: the input features by name, e.g.
    /// `[log_return, rsi_14, macd_hist, synthetic]` (`marketgpt features --list`); F = their count.
    /// The legacy form `features: 7` means the seven base features.
    public var features: FeatureSet = .standard {
        didSet { architecture.featureCount = features.count }
    }

    /// `context_length`: bars of context T.
    public var contextLength: Int { get { architecture.contextLength } set { architecture.contextLength = newValue } }
    /// `width`: model width C.
    public var width: Int { get { architecture.width } set { architecture.width = newValue } }
    /// `layers`: transformer blocks.
    public var layers: Int { get { architecture.layers } set { architecture.layers = newValue } }
    /// `heads`: attention heads NH (width must be a multiple; head size HS = C / NH).
    public var heads: Int { get { architecture.heads } set { architecture.heads = newValue } }
    /// `mlp_ratio`: hidden width of each block's MLP as a multiple of C.
    public var mlpRatio: Int { get { architecture.mlpRatio } set { architecture.mlpRatio = newValue } }
    /// `dropout`: dropout in the blocks (also the MC-dropout rate at inference).
    public var dropout: Float { get { architecture.dropout } set { architecture.dropout = newValue } }
    /// `asset_embedding_dropout`: probability of dropping a window's asset embedding in training.
    public var assetEmbeddingDropout: Float { get { architecture.assetEmbeddingDropout } set { architecture.assetEmbeddingDropout = newValue } }
    /// `horizon`: forecast steps H.
    public var horizon: Int { get { architecture.horizon } set { architecture.horizon = newValue } }
    /// `head`: `gaussian` or `student_t`.
    public var head: Head { get { architecture.head } set { architecture.head = newValue } }
    /// `degrees_of_freedom`: ν of the Student-t head (> 2 so its variance exists; ignored for `gaussian`).
    public var degreesOfFreedom: Float { get { architecture.degreesOfFreedom } set { architecture.degreesOfFreedom = newValue } }

    /// The defaults (the reference model).
    public init() { architecture.featureCount = features.count }

    enum CodingKeys: String, CodingKey {
        case contextLength = "context_length", features, width, layers, heads, mlpRatio = "mlp_ratio"
        case dropout, assetEmbeddingDropout = "asset_embedding_dropout", horizon, head, degreesOfFreedom = "degrees_of_freedom"
    }

    /// Decodes with `ModelConfig`'s default for every missing key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        let d = architecture
        features = try Self.decodeFeatures(c) ?? features
        architecture.featureCount = features.count  // didSet does not run inside an initializer
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? d.contextLength
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
        assetEmbeddingDropout = try c.decodeIfPresent(Float.self, forKey: .assetEmbeddingDropout) ?? d.assetEmbeddingDropout
        horizon = try c.decodeIfPresent(Int.self, forKey: .horizon) ?? d.horizon
        head = try c.decodeIfPresent(Head.self, forKey: .head) ?? d.head
        degreesOfFreedom = try c.decodeIfPresent(Float.self, forKey: .degreesOfFreedom) ?? d.degreesOfFreedom
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

    /// `ModelConfig.validate()` (sizes within `ModelConfig.Limits`, the parameter budget, width divisible by
    /// heads, dropouts in [0, 1), ν > 2), reported as a `ConfigValueError` at this section's key.
    public func validate() throws {
        do { try architecture.validate() } catch let error as ModelConfigError {
            throw ConfigValueError(keyPath: [error.key], reason: error.reason)
        }
    }
}
