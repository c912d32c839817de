// ForecastCollector: runs a model (eval mode) over per-asset origin ranges and gathers baselines onto the same targets.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// Builds `ForecastRows` for one evaluation period: every origin bar t in `origins[i]` of store asset i
/// (with a full context of T bars, t ≥ T − 1) forecasts r_{t+1…t+H}; targets at or beyond `limits[i]`
/// (e.g. the start of the out-of-sample period) or synthetic are not scored.
///
/// The model runs in `.eval` mode over windows of T bars ending at the last origin of blocks of
/// `scoredPositions` origins, so each scored position has at least T − `scoredPositions` bars of
/// context; its inputs are bars ≤ the block's last origin only (never a bar after an origin's block).
public struct ForecastCollector {
    public let store: FeatureStore
    public let normalizer: FeatureNormalizer
    /// Origins scored per window (default T/2): cost ≈ T/scoredPositions forward positions per origin.
    public var scoredPositions: Int?
    /// Windows per forward pass.
    public var batchSize = 64

    public init(store: FeatureStore, normalizer: FeatureNormalizer) {
        self.store = store
        self.normalizer = normalizer
    }

    /// The origins, targets and the model's forecasts (baselines not yet attached).
    public func modelRows(_ model: MarketGPT, origins: [Range<Int>], limits: [Int]) -> ForecastRows {
        precondition(origins.count == store.assets.count && limits.count == store.assets.count, "ForecastCollector: one range and limit per asset")
        let t = model.config.contextLength, h = model.config.horizon, f = normalizer.featureCount
        precondition(model.config.featureCount == f && store.featureSet == normalizer.features,
                     "ForecastCollector: model F=\(model.config.featureCount), data \(store.featureSet), normaliser \(normalizer.features)")
        let step = max(1, min(t, scoredPositions ?? max(1, t / 2)))
        var rows = ForecastRows(horizon: h)
        // Blocks (asset, first origin, end origin): window = bars [end − T, end).
        var blocks: [(asset: Int, first: Int, end: Int)] = []
        for (i, asset) in store.assets.enumerated() {
            let lower = max(origins[i].lowerBound, t - 1), upper = min(origins[i].upperBound, asset.count)
            var first = lower
            while first < upper {
                let end = min(first + step, upper)
                blocks.append((i, first, end))
                first = end
            }
        }
        let logVarianceRange = (model.config.minLogVariance, model.config.maxLogVariance)
        // The head's own law: Gaussian (log variance) or Student-t with ν (log scale²).
        let nu: Double = model.config.head == .studentT ? Double(model.config.degreesOfFreedom) : .infinity
        var rng = RandomGenerator(seed: 0)   // `.eval` draws nothing
        var start = 0
        while start < blocks.count {
            let chunk = blocks[start..<min(start + batchSize, blocks.count)]
            let b = chunk.count
            var inputs = [Float](repeating: 0, count: b * t * f)                             // (B, T, F)
            var assetIDs = [Int32](repeating: 0, count: b), categoryIDs = [Int32](repeating: 0, count: b)
            inputs.withUnsafeMutableBufferPointer { buffer in
                for (k, block) in chunk.enumerated() {
                    let asset = store.assets[block.asset]
                    normalizer.normalize(asset, bars: (block.end - t)..<block.end, into: buffer.baseAddress! + k * t * f)
                    // An id beyond the embedding table: an asset the model has not seen, forecast zero-shot.
                    assetIDs[k] = asset.assetID < model.config.assetCount ? Int32(asset.assetID) : -1
                    categoryIDs[k] = Int32(asset.categoryID)
                }
            }
            let output = Autograd.withoutRecording {
                model.forward(ModelBatch(batchSize: b, features: inputs, assetIds: assetIDs, categoryIds: categoryIDs), mode: .eval, rng: &rng)
            }
            let mu = output.mean.data, lv = output.logVariance.data                        // (B, T, H)
            for (k, block) in chunk.enumerated() {
                let asset = store.assets[block.asset]
                let limit = min(limits[block.asset], asset.count)
                for origin in block.first..<block.end {
                    let position = origin - (block.end - t)
                    rows.assets.append(block.asset); rows.origins.append(origin)
                    rows.days.append(asset.dates[origin]); rows.categories.append(asset.categoryID)
                    for step in 0..<h {
                        let o = (k * t + position) * h + step
                        let bar = origin + 1 + step
                        rows.targets.append(bar < limit && !asset.isSynthetic[bar] ? Double(asset.logReturns[bar]) : .nan)
                        let scale = Foundation.exp(0.5 * Double(min(max(lv[o], logVarianceRange.0), logVarianceRange.1)))
                        rows.model.append(locations: [Double(mu[o])], scales: [scale], degreesOfFreedom: nu)
                    }
                }
            }
            start += b
        }
        return rows
    }

    /// GARCH needs this many returns to be fitted.
    public static let minimumFitReturns = 30

    /// Attaches the baselines (GARCH and GARCH-t fitted per asset on bars `0..<trainingEnd[i]`, at least
    /// `minimumFitReturns`) to `rows` and masks every target some forecaster cannot score — including
    /// origins before an asset's fit end (where a GARCH forecast would be in-sample).
    public func attachBaselines(to rows: inout ForecastRows, trainingEnd: [Int]) {
        let ends = zip(trainingEnd, store.assets).map { min(max($0, Self.minimumFitReturns), $1.count) }
        let panel = BaselinePanel(returns: store.assets.map { $0.logReturns.map(Double.init) }, trainingEnd: ends, horizon: rows.horizon)
        for baseline in VarianceBaseline.allCases where panel.forecasts[baseline] != nil {
            rows.baselines[baseline] = panel.laws(baseline, assets: rows.assets, origins: rows.origins)
        }
        for s in 0..<rows.count where rows.origins[s] < ends[rows.assets[s]] - 1 {
            for h in 0..<rows.horizon { rows.targets[s * rows.horizon + h] = .nan }
        }
        rows.maskCommonTargets()
    }
}
