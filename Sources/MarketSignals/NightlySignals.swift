// The nightly run: for each asset, the MC-dropout predictive at its latest bar on or before the date → a signal row.
import Foundation
import MarketData
import MarketModel
import MarketTensor

/// Options of a signal run (configs/signals.yaml; every CLI option overrides).
public struct SignalRunOptions: Sendable, Equatable {
    /// S: MC-dropout passes per asset (default 20).
    public var samples: Int
    /// Seed of the MC-dropout draws; each (seed, date, ticker) has its own stream (see `NightlySignals.mcSeed`).
    public var seed: UInt64
    /// Thresholds, decision horizon and staleness limit.
    public var rule: SignalRule

    public init(samples: Int = 20, seed: UInt64 = 0, rule: SignalRule = SignalRule()) {
        precondition(samples >= 1, "SignalRunOptions: samples must be ≥ 1")
        self.samples = samples
        self.seed = seed
        self.rule = rule
    }
}

/// Scores assets at a date. Every asset of the input gets exactly one row, in input order: assets without
/// data, without a model, unknown to the checkpoint or with fewer than T bars are listed as HOLD with the reason.
///
/// Determinism and no look-ahead: asset a at date d is scored from bars dated ≤ d only, with its own
/// dropout stream seeded by (seed, d, ticker) — S replicas of its window in one MC-mode forward, so its
/// row does not depend on the other assets, on the batch, or on whether the date is run alone or in a range.
public enum NightlySignals {
    /// Extra reasons (besides `SignalRule.Reason`) of rows that have no forecast.
    public enum Reason {
        public static let noModel = "no model"
        public static let notInCheckpoint = "not in checkpoint"
        public static let shortHistory = "short history"
    }

    /// The rows of `date`, one per asset in input order. Throws `SignalError.horizon` when the decision
    /// horizon exceeds a model's H.
    public static func records(date: DayNumber, assets: [SignalAsset], models: SignalModelSet,
                               options: SignalRunOptions) throws -> [SignalRecord] {
        let rule = options.rule
        for model in [models.fallback].compactMap({ $0 }) + models.byCategory.values
        where rule.horizon > model.model.config.horizon {
            throw SignalError.horizon(requested: rule.horizon, modelHorizon: model.model.config.horizon, file: model.url.path)
        }
        return assets.map { asset in
            record(date: date, asset: asset, models: models, options: options)
        }
    }

    /// The row of one asset at `date`.
    public static func record(date: DayNumber, asset: SignalAsset, models: SignalModelSet, options: SignalRunOptions) -> SignalRecord {
        let rule = options.rule
        let state = asset.series.map { AssetDataState(series: $0, date: date) }
            ?? AssetDataState(lastRealBarDate: nil, latestBarIsSynthetic: false, lastClose: .nan)
        func noForecast(_ reason: String) -> SignalRecord {
            var row = rule.decide(date: date, ticker: asset.ticker, category: asset.category, predictive: nil, data: state)
            row.reason = reason
            return row
        }
        guard let series = asset.series, let last = series.lastIndex(onOrBefore: date), state.lastRealBarDate != nil else {
            return noForecast(SignalRule.Reason.noData)
        }
        guard let signalModel = models.model(for: asset.category) else { return noForecast(Reason.noModel) }
        guard let assetID = signalModel.assetIDs[asset.ticker], signalModel.normalizer.mean[assetID] != nil,
              signalModel.normalizer.std[assetID] != nil, assetID < signalModel.model.config.assetCount else {
            return noForecast(Reason.notInCheckpoint)
        }
        let config = signalModel.model.config
        let categoryID = signalModel.idTable.assets[assetID].category
        guard let window = SignalWindow.features(series: series, last: last, contextLength: config.contextLength,
                                                 assetID: assetID, categoryID: categoryID,
                                                 normalizer: signalModel.normalizer) else {
            return noForecast("\(Reason.shortHistory): \(last + 1) bars < context \(config.contextLength)")
        }
        let predictive = mcPredictive(model: signalModel.model, window: window, assetID: assetID, categoryID: categoryID,
                                      samples: options.samples, seed: mcSeed(options.seed, date: date, ticker: asset.ticker))
        return rule.decide(date: date, ticker: asset.ticker, category: asset.category, predictive: predictive, data: state)
    }

    /// MC-dropout predictive of one window: S replicas (S, T, F) in one `.monteCarlo` forward (each replica
    /// draws its own dropout masks), then mean of μ, mean of σ² (aleatoric) and variance of μ (epistemic) over
    /// the replicas, per horizon — the same estimator as `MarketGPT.predictive(samples:)`.
    static func mcPredictive(model: MarketGPT, window: [Float], assetID: Int, categoryID: Int,
                             samples: Int, seed: UInt64) -> AssetPredictive {
        var features = [Float]()
        features.reserveCapacity(window.count * samples)
        for _ in 0..<samples { features += window }                       // (S, T, F)
        let batch = ModelBatch(batchSize: samples, features: features,
                               assetIds: [Int32](repeating: Int32(assetID), count: samples),
                               categoryIds: [Int32](repeating: Int32(categoryID), count: samples))
        var rng = RandomGenerator(seed: seed)
        let passes = model.predictive(batch, samples: 1, rng: &rng, chunkSize: samples, mode: .monteCarlo)   // (S, H)
        let h = passes.horizon
        var mean = [Double](repeating: 0, count: h), meanSquared = mean, variance = mean
        for s in 0..<samples {
            for k in 0..<h {
                let m = Double(passes.mean[s * h + k])
                mean[k] += m
                meanSquared[k] += m * m
                variance[k] += Double(passes.aleatoric[s * h + k])
            }
        }
        let n = Double(samples)
        var epistemic = [Double](repeating: 0, count: h)
        for k in 0..<h {
            mean[k] /= n
            variance[k] /= n
            epistemic[k] = max(0, meanSquared[k] / n - mean[k] * mean[k])
        }
        return AssetPredictive(mean: mean, aleatoricVariance: variance, epistemicVariance: epistemic)
    }

    /// The seed of the dropout stream of (seed, date, ticker): SplitMix64 finalisers over the three,
    /// the ticker hashed with FNV-1a (stable across runs and universe edits).
    public static func mcSeed(_ seed: UInt64, date: DayNumber, ticker: String) -> UInt64 {
        var tickerHash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in ticker.utf8 { tickerHash = (tickerHash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(mix(seed) ^ UInt64(bitPattern: Int64(date))) ^ tickerHash)
    }
}
