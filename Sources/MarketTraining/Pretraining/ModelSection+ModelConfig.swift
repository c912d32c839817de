// The `model:` config section turned into MarketModel's ModelConfig, with the universe's counts.
import MarketData
import MarketModel

extension ModelSection {
    /// The model config for a universe of `assetCount` assets and `categoryCount` categories.
    /// F is the number of `features`.
    public func modelConfig(assetCount: Int, categoryCount: Int) throws -> ModelConfig {
        var config = ModelConfig()
        config.contextLength = contextLength
        config.featureCount = features.count
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
