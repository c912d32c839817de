// ModelConfig: the MarketGPT hyper-parameters (Codable, every field documented with its default).
import Foundation
import MarketData

/// Which predictive distribution the head parameterises.
public enum HeadKind: String, Codable, Sendable {
    /// Gaussian: mean and log-variance; loss `gaussianNLL`.
    case gaussian
    /// Student-t with `ModelConfig.degreesOfFreedom`: location and log scale²; loss `studentTNLL`.
    case studentT = "student_t"
}

/// MarketGPT hyper-parameters. Defaults are the reference config (`configs/pretrain.yaml`):
/// T=64, F=7 (the standard features), C=128, 4 layers, 4 heads, MLP 4×, H=5, 615 assets, 6 categories, dropout 0.1.
///
/// Coding keys are snake_case (`context_length`, `mlp_ratio`, …); a missing key takes its default.
/// Unknown keys are rejected by the config reader in the CLI layer using `ModelConfig.keys`.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// T: context length in bars (positions with a learned embedding). Default 64.
    public var contextLength = 64
    /// F: input features per bar. Default 7 (`MarketFeatures.count`, the standard feature set).
    public var featureCount = MarketFeatures.count
    /// C: model width. Default 128.
    public var width = 128
    /// Number of transformer blocks. Default 4.
    public var layers = 4
    /// NH: attention heads (must divide `width`). Default 4.
    public var heads = 4
    /// MLP hidden width as a multiple of C. Default 4.
    public var mlpRatio = 4
    /// Dropout probability after embeddings, attention and MLP. Default 0.1.
    public var dropout: Float = 0.1
    /// Probability of dropping a sample's whole asset embedding (it then relies on its category). Default 0.1.
    public var assetEmbeddingDropout: Float = 0.1
    /// H: forecast horizon (steps predicted at every position). Default 5.
    public var horizon = 5
    /// Predictive distribution of the head. Default `.gaussian`.
    public var head: HeadKind = .gaussian
    /// ν of the Student-t head (ignored for Gaussian). Default 5.
    public var degreesOfFreedom: Float = 5
    /// N: rows of the asset embedding (from the universe). Default 615.
    public var assetCount = 615
    /// K: rows of the category embedding (from the universe). Default 6.
    public var categoryCount = 6
    /// Lower clamp of the predicted log-variance. Default -10.
    public var minLogVariance: Float = -10
    /// Upper clamp of the predicted log-variance. Default 10.
    public var maxLogVariance: Float = 10

    /// The reference configuration.
    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case contextLength = "context_length", featureCount = "features", width, layers, heads
        case mlpRatio = "mlp_ratio", dropout, assetEmbeddingDropout = "asset_embedding_dropout", horizon, head
        case degreesOfFreedom = "degrees_of_freedom", assetCount = "asset_count", categoryCount = "category_count"
        case minLogVariance = "min_log_variance", maxLogVariance = "max_log_variance"
    }

    /// Every accepted key (for strict readers that reject unknown keys).
    public static let keys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfig()
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? d.contextLength
        featureCount = try c.decodeIfPresent(Int.self, forKey: .featureCount) ?? d.featureCount
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
        assetEmbeddingDropout = try c.decodeIfPresent(Float.self, forKey: .assetEmbeddingDropout) ?? d.assetEmbeddingDropout
        horizon = try c.decodeIfPresent(Int.self, forKey: .horizon) ?? d.horizon
        head = try c.decodeIfPresent(HeadKind.self, forKey: .head) ?? d.head
        degreesOfFreedom = try c.decodeIfPresent(Float.self, forKey: .degreesOfFreedom) ?? d.degreesOfFreedom
        assetCount = try c.decodeIfPresent(Int.self, forKey: .assetCount) ?? d.assetCount
        categoryCount = try c.decodeIfPresent(Int.self, forKey: .categoryCount) ?? d.categoryCount
        minLogVariance = try c.decodeIfPresent(Float.self, forKey: .minLogVariance) ?? d.minLogVariance
        maxLogVariance = try c.decodeIfPresent(Float.self, forKey: .maxLogVariance) ?? d.maxLogVariance
        try validate()
    }

    /// The valid range of every size, checked by `validate()` before anything is allocated (README: "Valid ranges").
    public enum Limits {
        public static let contextLength = 1...2048
        public static let featureCount = 1...256
        public static let width = 1...4096
        public static let layers = 1...64
        public static let heads = 1...64
        public static let mlpRatio = 1...16
        public static let horizon = 1...64
        public static let assetCount = 1...100_000
        public static let categoryCount = 1...1_000
        /// Largest model: weights + gradients + two AdamW moments take 16 bytes per parameter (3.2 GB here).
        public static let parameters = 200_000_000
    }

    /// Parameters of the transformer blocks and embeddings (an upper estimate, computed without overflow).
    public static func estimatedParameters(width: Int, layers: Int, mlpRatio: Int, rows: Int) -> Double {
        let c = Double(width)
        return Double(layers) * (Double(4 + 2 * mlpRatio) * c * c + Double(10 + 2 * mlpRatio) * c) + Double(rows) * c
    }

    /// Throws `ModelConfigError` naming the first invalid field.
    public func validate() throws {
        func bad(_ key: CodingKeys, _ reason: String) -> ModelConfigError { ModelConfigError(key: key.rawValue, reason: reason) }
        for (key, value, range) in [(CodingKeys.contextLength, contextLength, Limits.contextLength), (.featureCount, featureCount, Limits.featureCount),
                                    (.width, width, Limits.width), (.layers, layers, Limits.layers), (.heads, heads, Limits.heads),
                                    (.mlpRatio, mlpRatio, Limits.mlpRatio), (.horizon, horizon, Limits.horizon),
                                    (.assetCount, assetCount, Limits.assetCount), (.categoryCount, categoryCount, Limits.categoryCount)]
            where !range.contains(value) {
            throw bad(key, "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
        let parameters = Self.estimatedParameters(width: width, layers: layers, mlpRatio: mlpRatio,
                                                  rows: assetCount + categoryCount + contextLength + featureCount + 2 * horizon)
        if parameters > Double(Limits.parameters) {
            throw bad(.width, "width \(width) × layers \(layers) × mlp_ratio \(mlpRatio) makes ≈ \(Int(parameters)) parameters, above the \(Limits.parameters) limit")
        }
        if width % heads != 0 { throw bad(.heads, "width \(width) is not a multiple of heads \(heads)") }
        if !(0..<1).contains(dropout) { throw bad(.dropout, "must be in [0, 1), found \(dropout)") }
        if !(0..<1).contains(assetEmbeddingDropout) { throw bad(.assetEmbeddingDropout, "must be in [0, 1), found \(assetEmbeddingDropout)") }
        if !(degreesOfFreedom > 2) { throw bad(.degreesOfFreedom, "must be > 2 (so the variance exists), found \(degreesOfFreedom)") }
        if !(minLogVariance < maxLogVariance) { throw bad(.minLogVariance, "must be below max_log_variance") }
    }

    /// The log-variance clamp as a range.
    public var logVarianceRange: ClosedRange<Float> { minLogVariance...maxLogVariance }

    /// A config as compact JSON (stored in checkpoint metadata under `model_config`).
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses `jsonString()` output.
    public static func fromJSON(_ text: String) throws -> ModelConfig {
        try JSONDecoder().decode(ModelConfig.self, from: Data(text.utf8))
    }
}

/// An invalid model config value: the key and why.
public struct ModelConfigError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let reason: String
    public var description: String { "model config '\(key)': \(reason)" }
}
