// The `augmentation:` section of a pre-training config: mixup within a category and synthetic series as extra training assets.
import MarketSupport

/// Pre-training regularisers beyond asset-embedding dropout (`model.asset_embedding_dropout`). Every one
/// is off by default, and off means the run is byte-identical to a run without this section.
/// Validation, test and evaluation never see augmented data.
public struct AugmentationConfig: Codable, Equatable, Sendable, ValidatedConfig {
    /// `mixup_probability` [0]: share of training windows mixed with a window of another asset of the
    /// same category: inputs, targets and the two windows' target masks (their product) are mixed as
    /// λ·x + (1−λ)·y with λ = max(u, 1−u), u ~ Beta(α, α), so the drawn window keeps the larger weight and
    /// the batch keeps its asset and category ids (the asset embedding of the larger weight).
    public var mixupProbability: Double = 0
    /// `mixup_alpha` [0.4]: α of the Beta draw (small α: λ near 1, mild mixing).
    public var mixupAlpha: Double = 0.4
    /// `synthetic_share` [0]: share of training batches drawn from synthetic series instead of real windows.
    public var syntheticShare: Double = 0
    /// `synthetic_series_per_asset` [1]: block-bootstrap series made per real asset from its own bars
    /// before the validation start (never from validation or test bars), each as long as that history.
    public var syntheticSeriesPerAsset: Int = 1
    /// `synthetic_target_weight` [1]: loss weight of the synthetic series' targets. Their bars carry the
    /// `synthetic` flag in the inputs (when the feature set has it).
    public var syntheticTargetWeight: Double = 1

    public init() {}

    /// True when any augmentation is on.
    public var isEnabled: Bool { mixupProbability > 0 || syntheticShare > 0 }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mixupProbability = "mixup_probability", mixupAlpha = "mixup_alpha", syntheticShare = "synthetic_share"
        case syntheticSeriesPerAsset = "synthetic_series_per_asset", syntheticTargetWeight = "synthetic_target_weight"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AugmentationConfig()
        mixupProbability = try c.decodeIfPresent(Double.self, forKey: .mixupProbability) ?? d.mixupProbability
        mixupAlpha = try c.decodeIfPresent(Double.self, forKey: .mixupAlpha) ?? d.mixupAlpha
        syntheticShare = try c.decodeIfPresent(Double.self, forKey: .syntheticShare) ?? d.syntheticShare
        syntheticSeriesPerAsset = try c.decodeIfPresent(Int.self, forKey: .syntheticSeriesPerAsset) ?? d.syntheticSeriesPerAsset
        syntheticTargetWeight = try c.decodeIfPresent(Double.self, forKey: .syntheticTargetWeight) ?? d.syntheticTargetWeight
    }

    public func validate() throws {
        func check(_ ok: Bool, _ key: CodingKeys, _ reason: String) throws {
            if !ok { throw ConfigValueError(keyPath: [key.rawValue], reason: reason) }
        }
        try check((0...1).contains(mixupProbability), .mixupProbability, "must be in [0, 1], found \(mixupProbability)")
        try check(mixupAlpha > 0 && mixupAlpha <= 100, .mixupAlpha, "must be in (0, 100], found \(mixupAlpha)")
        try check((0..<1).contains(syntheticShare), .syntheticShare, "must be in [0, 1), found \(syntheticShare)")
        try check((1...16).contains(syntheticSeriesPerAsset), .syntheticSeriesPerAsset, "must be in 1…16, found \(syntheticSeriesPerAsset)")
        try check((0...1).contains(syntheticTargetWeight), .syntheticTargetWeight, "must be in [0, 1], found \(syntheticTargetWeight)")
    }
}
