// Growing the asset embedding for assets a checkpoint has not seen (fine-tuning a universe with new listings).
import Foundation
import MarketTensor

extension MarketGPT {
    /// A copy of this model with `count` ≥ N asset-embedding rows: rows 0..<N are this model's, the new rows are zero —
    /// so before any training a new asset is forecast exactly as the zero-shot path forecasts it (asset id −1 adds no
    /// asset embedding). Every other weight is copied; the config differs only in `assetCount`.
    /// (An optimizer built on the copy has moments for every row; fine-tuning starts a fresh one.)
    public func growingAssetRows(to count: Int) -> MarketGPT {
        precondition(count >= config.assetCount, "growingAssetRows: \(count) rows < \(config.assetCount)")
        var grown = config
        grown.assetCount = count
        let model = MarketGPT(config: grown, seed: 0)
        let old = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.tensor) })
        for (name, tensor) in model.namedParameters {
            let source = old[name]!
            if tensor === model.assetEmbedding {
                var values = source.scalars                                                      // (N, C)
                values += [Float](repeating: 0, count: (count - config.assetCount) * config.width)   // (N′, C)
                tensor.assign(values)
            } else {
                tensor.assign(source)
            }
        }
        return model
    }
}
