// The model input of one asset at a date: its last T bars on or before the date, featurised and normalised.
import Foundation
import MarketData

/// Builds the (T, F) normalised input window of an asset whose latest bar on or before the date is `last`.
enum SignalWindow {
    /// Bars before the window that the features need (returns need the previous close, the realised
    /// volatility the 20 returns before), so the window's features equal those of the whole series.
    static let warmUpBars = MarketFeatures.volatilityWindow + 1

    /// The normalised features (the normaliser's `FeatureSet`, i.e. the checkpoint's) of bars
    /// `last−T+1 … last` of `series`, row-major (T, F); nil when there are fewer than T bars up to `last`.
    /// Bars after `last` are never read. The standard features need `warmUpBars` bars before the window;
    /// indicators with a recursive state (EMA, RSI, ATR, ADX) are computed from the first bar, exactly as in training.
    static func features(series: OHLCVSeries, last: Int, contextLength t: Int, assetID: Int, categoryID: Int,
                         normalizer: FeatureNormalizer) -> [Float]? {
        guard last + 1 >= t else { return nil }
        let features = normalizer.features
        let start = features.isStandard ? max(0, last + 1 - t - warmUpBars) : 0
        let slice = AssetFeatures(assetID: assetID, categoryID: categoryID, series: series.slice(start..<(last + 1)), featureSet: features)
        var out = [Float](repeating: 0, count: t * normalizer.featureCount)   // (T, F)
        out.withUnsafeMutableBufferPointer { buffer in
            normalizer.normalize(slice, bars: (slice.count - t)..<slice.count, into: buffer.baseAddress!)
        }
        return out
    }
}
