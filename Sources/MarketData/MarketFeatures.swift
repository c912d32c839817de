// Per-bar input features (F = 7) and next-H log-return targets, each bar using only bars at or before it.
import Foundation
import MarketSupport

/// The input features of one bar. Every feature of bar t is computed from bars 0...t only.
///
/// Order (the feature index `f` of the (…, F) buffers):
/// 0. `log_return`: close-to-close log return log(C[t] / C[t-1]); 0 on the first bar.
/// 1. `overnight_gap`: log(O[t] / C[t-1]); 0 on the first bar.
/// 2. `log_high_close`: log(H[t] / C[t]) ≥ 0 for a consistent bar.
/// 3. `log_low_close`: log(L[t] / C[t]) ≤ 0 for a consistent bar.
/// 4. `log_volume_change`: log((V[t] + 1) / (V[t-1] + 1)), safe with zero volume (0 for forex); 0 on the first bar.
/// 5. `realized_vol_20`: sqrt(mean of `log_return`² over the last 20 bars up to t), daily units
///    (fewer bars at the start; 0 on the first bar).
/// 6. `synthetic`: 1 when the bar is synthetic (`OHLCVSeries.isSynthetic`), else 0; never normalised.
///
/// Targets of bar t: the next H close-to-close log returns, `log_return[t+1 … t+H]`.
public enum MarketFeatures {
    /// F, the number of input features per bar.
    public static let count = 7
    /// Feature names in buffer order.
    public static let names = ["log_return", "overnight_gap", "log_high_close", "log_low_close",
                               "log_volume_change", "realized_vol_20", "synthetic"]
    /// Index of the synthetic-bar flag (left out of normalisation).
    public static let syntheticIndex = 6
    /// Bars in the realised-volatility window.
    public static let volatilityWindow = 20

    /// Features of every bar of `series`, row-major (bars, F).
    public static func compute(_ series: OHLCVSeries) -> [Float] {
        let n = series.count
        let f = count
        var out = [Float](repeating: 0, count: n * f)
        guard n > 0 else { return out }
        var squares = [Double](repeating: 0, count: n)   // log_return² per bar, for the rolling window
        var windowSum = 0.0
        series.open.withUnsafeBufferPointer { open in
        series.high.withUnsafeBufferPointer { high in
        series.low.withUnsafeBufferPointer { low in
        series.close.withUnsafeBufferPointer { close in
        series.volume.withUnsafeBufferPointer { volume in
        out.withUnsafeMutableBufferPointer { o in
            for t in 0..<n {
                let row = t &* f
                let c = close[t]
                var r = 0.0
                if t > 0 {
                    let previous = close[t &- 1]
                    r = log(c / previous)
                    o[row] = Float(r)
                    o[row &+ 1] = Float(log(open[t] / previous))
                    o[row &+ 4] = Float(log((max(volume[t], 0) + 1) / (max(volume[t &- 1], 0) + 1)))
                }
                o[row &+ 2] = Float(log(high[t] / c))
                o[row &+ 3] = Float(log(low[t] / c))
                squares[t] = r * r
                windowSum += r * r
                if t >= volatilityWindow { windowSum -= squares[t &- volatilityWindow] }
                let window = min(t, volatilityWindow)   // bar 0 contributes no return
                o[row &+ 5] = window > 0 ? Float(sqrt(max(windowSum, 0) / Double(window))) : 0
                o[row &+ 6] = series.isSynthetic[t] ? 1 : 0
            }
        }}}}}}
        return out
    }

    /// The close-to-close log returns (bars), `returns[0] = 0`: the targets' source.
    public static func logReturns(_ series: OHLCVSeries) -> [Float] {
        var out = [Float](repeating: 0, count: series.count)
        for t in series.close.indices.dropFirst() { out[t] = Float(log(series.close[t] / series.close[t - 1])) }
        return out
    }
}

/// The features of one asset of a loaded universe.
public struct AssetFeatures: Sendable {
    /// Asset id (universe order) and category id.
    public var assetID: Int
    public var categoryID: Int
    /// Bar dates, ascending.
    public var dates: [DayNumber]
    /// The features and their order (F = `featureSet.count`).
    public var featureSet: FeatureSet
    /// Raw (not normalised) features, row-major (bars, F); NaN where an indicator is masked.
    public var features: [Float]
    /// Close-to-close log returns per bar (bars); targets of bar t are `logReturns[t+1…t+H]`.
    public var logReturns: [Float]
    /// True for synthetic bars (bars).
    public var isSynthetic: [Bool]

    /// Number of bars.
    public var count: Int { dates.count }

    public init(assetID: Int, categoryID: Int, series: OHLCVSeries, featureSet: FeatureSet = .standard) {
        self.assetID = assetID
        self.categoryID = categoryID
        dates = series.dates
        self.featureSet = featureSet
        features = featureSet.compute(series)
        logReturns = MarketFeatures.logReturns(series)
        isSynthetic = series.isSynthetic
    }

    /// Index of the first bar dated on or after `day` (`count` when none).
    public func firstIndex(onOrAfter day: DayNumber) -> Int {
        ChronologicalSplit.firstIndex(dates, onOrAfter: day)
    }
}

/// The features of every asset of a universe that has a series (real or filled), computed once.
/// Memory: 615 assets × 30 years × 252 bars × F = 7 Float32 ≈ 130 MB (+ returns and flags ≈ 25 MB).
public struct FeatureStore: Sendable {
    /// The features every asset holds.
    public var featureSet: FeatureSet
    /// Per asset with data, in asset-id order (assets without any series are left out).
    public var assets: [AssetFeatures]
    /// Category id → batch weight, from the universe.
    public var categoryWeights: [Double]

    /// Computes the features `featureSet` of `loaded` (each asset's `series`, i.e. filled when a filler ran).
    public init(loaded: LoadedUniverse, featureSet: FeatureSet = .standard) {
        self.featureSet = featureSet
        assets = loaded.assets.compactMap { asset in
            guard let series = asset.series, series.count > 0 else { return nil }
            return AssetFeatures(assetID: asset.assetID, categoryID: asset.categoryID, series: series, featureSet: featureSet)
        }
        categoryWeights = loaded.universe.categories.map(\.batchWeight)
    }

    /// A store from precomputed assets (tests, demo data), which must all hold `featureSet` (default: the first asset's, else standard).
    public init(assets: [AssetFeatures], categoryWeights: [Double], featureSet: FeatureSet? = nil) {
        let set = featureSet ?? assets.first?.featureSet ?? .standard
        precondition(assets.allSatisfy { $0.featureSet == set }, "FeatureStore: assets with different feature sets")
        self.featureSet = set
        self.assets = assets
        self.categoryWeights = categoryWeights
    }

    /// Bytes held by the feature, return and flag buffers.
    public var byteCount: Int {
        assets.reduce(0) { $0 + $1.features.count * 4 + $1.logReturns.count * 4 + $1.isSynthetic.count + $1.dates.count * 4 }
    }
}
