// The `model:` config section turned into MarketModel's ModelConfig, with the universe's counts.
import MarketData
import MarketModel

extension ModelSection {
    /// The model config for a universe of `assetCount` assets and `categoryCount` categories.
    /// Throws `ConfigValueError` (key `model.features`) when `features` is not the data layer's F.
    public func modelConfig(assetCount: Int, categoryCount: Int, featureCount: Int = MarketFeatures.count) throws -> ModelConfig {
        guard features == featureCount else {
            throw ConfigValueError(keyPath: ["model", "features"],
                                   reason: "is \(features) but the data layer computes \(featureCount) features per bar (\(MarketFeatures.names.joined(separator: ", ")))")
        }
        var config = ModelConfig()
        config.contextLength = contextLength
        config.featureCount = features
        config.width = width
        config.layers = layers
        config.heads = heads
        config.mlpRatio = mlpRatio
        config.dropout = Float(dropout)
        config.assetEmbeddingDropout = Float(assetEmbeddingDropout)
        config.horizon = horizon
        config.head = head == .gaussian ? .gaussian : .studentT
        config.degreesOfFreedom = Float(degreesOfFreedom)
        config.assetCount = max(assetCount, 1)
        config.categoryCount = max(categoryCount, 1)
        return config
    }
}
