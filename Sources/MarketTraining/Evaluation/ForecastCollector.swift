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

    /// The origins, targets and the model's forecasts (baselines not yet attached): one `.eval` pass, M = 1.
    public func modelRows(_ model: MarketGPT, origins: [Range<Int>], limits: [Int]) -> ForecastRows {
        modelRows([model], samples: 1, seed: 0, origins: origins, limits: limits)
    }

    /// The origins, targets and the mixture forecasts of `models` (deep-ensemble members, G ≥ 1, same config)
    /// with `samples` MC-dropout passes each (S = 1: one `.eval` pass per member): every law has M = G·S members,
    /// member g·S + s = pass s of model g (`ForecastLaws.groups` = G). The dropout draws of window chunk c and model g
    /// come from stream c·G + g of `seed`, so the rows are a function of the seed and the inputs alone.
    public func modelRows(_ models: [MarketGPT], samples: Int, seed: UInt64, origins: [Range<Int>], limits: [Int]) -> ForecastRows {
        precondition(!models.isEmpty && samples >= 1, "ForecastCollector: at least one model and one pass")
        precondition(origins.count == store.assets.count && limits.count == store.assets.count, "ForecastCollector: one range and limit per asset")
        let model = models[0]
        precondition(models.allSatisfy { $0.config == model.config }, "ForecastCollector: ensemble members differ in config")
        let t = model.config.contextLength, h = model.config.horizon, f = normalizer.featureCount
        precondition(model.config.featureCount == f && store.featureSet == normalizer.features,
                     "ForecastCollector: model F=\(model.config.featureCount), data \(store.featureSet), normaliser \(normalizer.features)")
        let step = max(1, min(t, scoredPositions ?? max(1, t / 2)))
        let g = models.count, m = g * samples
        var rows = ForecastRows(horizon: h, modelMembers: m, modelGroups: g)
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
        let mode: DropoutMode = samples > 1 ? .monteCarlo : .eval
        var start = 0, chunkIndex: UInt64 = 0
        var locations = [Double](repeating: 0, count: m), scales = locations
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
            let batch = Batch(batchSize: b, featureCount: f, inputs: inputs, assetIDs: assetIDs, categoryIDs: categoryIDs)
            // (G·S) passes, each (B, T, H) means and log variances.
            var passes: [(mean: [Float], logVariance: [Float])] = []
            for (index, member) in models.enumerated() {
                var rng = RandomGenerator(seed: seed, stream: chunkIndex &* UInt64(g) &+ UInt64(index))   // `.eval` draws nothing
                for _ in 0..<samples {
                    let output = Autograd.withoutRecording { member.forward(batch, mode: mode, rng: &rng) }
                    // Copied out: the output's storage returns to the model's pool when `output` is released.
                    passes.append((Array(UnsafeBufferPointer(start: output.mean.data, count: output.mean.count)),
                                   Array(UnsafeBufferPointer(start: output.logVariance.data, count: output.logVariance.count))))
                }
            }
            chunkIndex &+= 1
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
                        for (p, pass) in passes.enumerated() {
                            locations[p] = Double(pass.mean[o])
                            scales[p] = Foundation.exp(0.5 * Double(min(max(pass.logVariance[o], logVarianceRange.0), logVarianceRange.1)))
                        }
                        rows.model.append(locations: locations, scales: scales, degreesOfFreedom: nu)
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
