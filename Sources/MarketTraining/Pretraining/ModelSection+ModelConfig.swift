// The `model:` config section turned into MarketModel's ModelConfig, with the universe's counts.
import MarketData
import MarketModel

extension ModelSection {
    /// The model config for a universe of `assetCount` assets and `categoryCount` categories.
    /// F is the number of `features`.
    public func modelConfig(assetCount: Int, categoryCount: Int) throws -> ModelConfig {
        var config = architecture
        config.featureCount = features.count
        config.assetCount = max(assetCount, 1)
        config.categoryCount = max(categoryCount, 1)
        return config
    }
}
