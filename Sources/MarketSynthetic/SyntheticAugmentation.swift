// Synthetic series as extra pre-training assets: block-bootstrap copies of each asset's history before a cut, flagged synthetic.
import Foundation
import MarketData
import MarketSupport

/// Builds the synthetic training assets of `augmentation.synthetic_share`.
public enum SyntheticAugmentation {
    /// Assets with fewer real bars before the cut are not copied.
    public static let minimumBars = 256

    /// `seriesPerAsset` stationary-block-bootstrap series per asset of `loaded`, each made from the
    /// asset's **real** bars dated before `cut` only (so nothing of the validation or test period leaks
    /// in), as long as that history, every bar flagged synthetic. Each keeps its source's asset and
    /// category id (so the normaliser fitted on the source's training bars applies). Features `features`.
    /// Deterministic in (`seed`, data before `cut`).
    public static func store(_ loaded: LoadedUniverse, before cut: DayNumber, seriesPerAsset: Int, seed: UInt64,
                             features: FeatureSet) -> FeatureStore {
        precondition(seriesPerAsset >= 1, "SyntheticAugmentation: seriesPerAsset must be ≥ 1")
        var assets: [AssetFeatures] = []
        for asset in loaded.assets {
            guard let real = asset.real, let last = real.lastIndex(onOrBefore: cut - 1), last + 1 >= minimumBars else { continue }
            let history = real.slice(0..<(last + 1))
            guard let engine = try? SyntheticEngine(series: history) else { continue }
            let assetSeed = seed ^ (UInt64(asset.assetID) &* 0x9E37_79B9_7F4A_7C15)
            for k in 0..<seriesPerAsset {
                let series = engine.series(seed: assetSeed, candidate: k, length: history.count,
                                           startPrice: history.close[0], startDate: history.dates[0] - 1)
                assets.append(AssetFeatures(assetID: asset.assetID, categoryID: asset.categoryID, series: series, featureSet: features))
            }
        }
        return FeatureStore(assets: assets, categoryWeights: loaded.universe.categories.map(\.batchWeight), featureSet: features)
    }
}
