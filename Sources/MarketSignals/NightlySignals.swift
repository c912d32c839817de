// The nightly run: for each asset, the MC-dropout predictive at its latest bar on or before the date → a signal row.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// Options of a signal run (configs/signals.yaml; every CLI option overrides).
public struct SignalRunOptions: Sendable, Equatable {
    /// S: MC-dropout passes per asset (default 20).
    public var samples: Int
    /// Seed of the MC-dropout draws; each (seed, date, checkpoint) batch has its own stream (see `NightlySignals.mcSeed`).
    public var seed: UInt64
    /// Thresholds, decision horizon and staleness limit of every category without its own rule.
    public var rule: SignalRule
    /// Category name → its own rule (e.g. fitted by `calibrate-signals`); the others use `rule`.
    public var rulesByCategory: [String: SignalRule]
    /// Category name → the calibration applied to its forecasts instead of its checkpoint's (a rolling recalibration as of
    /// the date, `SignalsJob`; an empty `PredictiveCalibration` gives the raw laws). Default none.
    public var calibrationOverrides: [String: PredictiveCalibration] = [:]
    /// Dropout of the passes: `.monteCarlo` (default, the MC-dropout predictive) or `.eval` (deterministic: with S = 1 the
    /// model's own law, as `evaluate` and the calibration fits score it).
    public var dropout: DropoutMode = .monteCarlo

    public init(samples: Int = 20, seed: UInt64 = 0, rule: SignalRule = SignalRule(), rulesByCategory: [String: SignalRule] = [:]) {
        precondition(samples >= 1, "SignalRunOptions: samples must be ≥ 1")
        self.samples = samples
        self.seed = seed
        self.rule = rule
        self.rulesByCategory = rulesByCategory
    }

    /// The rule deciding the assets of `category`.
    public func rule(for category: String) -> SignalRule { rulesByCategory[category] ?? rule }
}

/// One asset's forecast at a date: the predictive (nil with the reason when there is none) and its data state.
public struct AssetForecast: Sendable {
    public var predictive: AssetPredictive?
    public var state: AssetDataState
    /// Why there is no predictive (`no data`, `no model`, …); nil when there is one.
    public var missingReason: String?
    /// True when the checkpoint had not seen the asset (forecast zero-shot from its category).
    public var zeroShot = false
}

/// Scores assets at a date. Every asset of the input gets exactly one row, in input order: assets without
/// data, without a model or with fewer than T bars are listed as HOLD with the reason. An asset the checkpoint has not
/// seen is forecast zero-shot (its category's embedding, no asset embedding, a normaliser fitted on its own bars up to
/// the date) and flagged `zero_shot`; an asset of a category the checkpoint does not know is an error naming it.
///
/// Speed: the windows of all assets scored by one checkpoint go through `DataParallel.predictive` as one
/// batch (B = assets, split over 2 workers, chunks of 128), S passes. Determinism and no look-ahead: asset a at date d is
/// scored from bars dated ≤ d only; the dropout stream of a (checkpoint, date) batch is seeded by
/// (seed, d, the ticker of its first asset), so a row depends on the seed, the date and the data up to the date
/// (which assets are scorable, in universe order) — never on later bars, and a `--from/--to` range gives
/// each date the same bytes as a nightly run of that date.
public enum NightlySignals {
    /// Extra reasons (besides `SignalRule.Reason`) of rows that have no forecast.
    public enum Reason {
        public static let noModel = "no model"
        public static let notInCheckpoint = "not in checkpoint"
        public static let shortHistory = "short history"
    }

    /// The rows of `date`, one per asset in input order, each decided by its category's rule. Throws
    /// `SignalError.horizon` when a decision horizon exceeds a model's H.
    public static func records(date: DayNumber, assets: [SignalAsset], models: SignalModelSet,
                               options: SignalRunOptions) throws -> [SignalRecord] {
        try checkHorizons(assets: assets, models: models, options: options)
        return try records(date: date, assets: assets, forecasts: try forecasts(date: date, assets: assets, models: models, options: options),
                           models: models, options: options)
    }

    /// The rows of `date` from `forecasts` already made (one per asset, in input order; e.g. raw forecasts recalibrated
    /// with `AssetPredictive.calibrated`), each decided by its category's rule. Throws as `records(date:assets:models:options:)`.
    public static func records(date: DayNumber, assets: [SignalAsset], forecasts: [AssetForecast], models: SignalModelSet,
                               options: SignalRunOptions) throws -> [SignalRecord] {
        precondition(forecasts.count == assets.count, "NightlySignals.records: one forecast per asset")
        try checkHorizons(assets: assets, models: models, options: options)
        return zip(assets, forecasts).map { asset, forecast in
            let rule = options.rule(for: asset.category)
            var row = rule.decide(date: date, ticker: asset.ticker, category: asset.category, predictive: forecast.predictive,
                                  data: forecast.state)
            if let reason = forecast.missingReason { row.reason = reason }
            row.zeroShot = forecast.zeroShot
            return row
        }
    }

    /// Throws `SignalError.horizon` when a category's decision horizon exceeds its model's H.
    static func checkHorizons(assets: [SignalAsset], models: SignalModelSet, options: SignalRunOptions) throws {
        for asset in assets {
            let rule = options.rule(for: asset.category)
            if let model = models.model(for: asset.category), rule.horizon > model.model.config.horizon {
                throw SignalError.horizon(requested: rule.horizon, modelHorizon: model.model.config.horizon, file: model.url.path)
            }
        }
    }

    /// The forecasts of `date`, one per asset in input order (`options.rule` is not used: no decision is taken).
    /// Ends early, with rows left without a forecast, when the bound `StopFlag` is raised.
    /// Throws `SignalError.checkpoint` for an asset whose category the checkpoint does not know.
    public static func forecasts(date: DayNumber, assets: [SignalAsset], models: SignalModelSet,
                                 options: SignalRunOptions) throws -> [AssetForecast] {
        var out = [AssetForecast](repeating: AssetForecast(predictive: nil, state: AssetDataState(lastRealBarDate: nil, latestBarIsSynthetic: false,
                                                                                                lastClose: .nan), missingReason: nil),
                                  count: assets.count)
        // Per checkpoint (in order of first use): the input indices it scores and their (T, F) windows.
        var groups: [(model: SignalModel, members: [Int], features: [Float], assetIDs: [Int32], categoryIDs: [Int32])] = []
        var groupOf: [ObjectIdentifier: Int] = [:]
        var zeroShot = Set<Int>()
        for (index, asset) in assets.enumerated() {
            if let series = asset.series { out[index].state = AssetDataState(series: series, date: date) }
            func missing(_ reason: String) { out[index].missingReason = reason }
            guard let series = asset.series, let last = series.lastIndex(onOrBefore: date), out[index].state.lastRealBarDate != nil else {
                missing(SignalRule.Reason.noData); continue
            }
            guard let signalModel = models.model(for: asset.category) else { missing(Reason.noModel); continue }
            let config = signalModel.model.config
            // An asset the checkpoint has not seen (or whose row it cannot use) is forecast zero-shot from its category.
            let assetID: Int, categoryID: Int, normalizer: FeatureNormalizer
            if let id = signalModel.assetIDs[asset.ticker], signalModel.normalizer.mean[id] != nil,
               signalModel.normalizer.std[id] != nil, id < config.assetCount {
                (assetID, categoryID, normalizer) = (id, signalModel.idTable.assets[id].category, signalModel.normalizer)
            } else {
                guard last + 1 >= config.contextLength else {
                    missing("\(Reason.shortHistory): \(last + 1) bars < context \(config.contextLength)"); continue
                }
                let input = try signalModel.zeroShotInput(category: asset.category, series: series, last: last)
                (assetID, categoryID, normalizer) = (SignalModel.zeroShotKey, input.categoryID, input.normalizer)
                zeroShot.insert(index)
            }
            guard let window = SignalWindow.features(series: series, last: last, contextLength: config.contextLength,
                                                     assetID: assetID, categoryID: categoryID,
                                                     normalizer: normalizer) else {
                missing("\(Reason.shortHistory): \(last + 1) bars < context \(config.contextLength)"); continue
            }
            let key = ObjectIdentifier(signalModel)
            if groupOf[key] == nil {
                groupOf[key] = groups.count
                groups.append((signalModel, [], [], [], []))
            }
            let g = groupOf[key]!
            groups[g].members.append(index)
            groups[g].features += window                                   // (B, T, F)
            groups[g].assetIDs.append(Int32(assetID))
            groups[g].categoryIDs.append(Int32(categoryID))
        }
        for group in groups {
            if StopFlag.isRequested { break }                       // the caller discards the rows (see `StopFlag`)
            let batch = Batch(batchSize: group.members.count, featureCount: group.model.model.config.featureCount,
                              inputs: group.features, assetIDs: group.assetIDs, categoryIDs: group.categoryIDs)
            var rng = RandomGenerator(seed: mcSeed(options.seed, date: date, ticker: assets[group.members[0]].ticker))
            let p = group.model.predictive(batch, samples: options.samples, rng: &rng, mode: options.dropout)   // (B, H) each
            if StopFlag.isRequested { break }
            let h = p.horizon
            for (b, index) in group.members.enumerated() {
                let range = (b * h)..<((b + 1) * h)
                let category = assets[index].category
                let raw = AssetPredictive(mean: p.mean[range].map(Double.init), aleatoricVariance: p.aleatoric[range].map(Double.init),
                                          epistemicVariance: p.epistemic[range].map(Double.init), laws: (0..<h).map { p.law(row: b, step: $0) })
                out[index].predictive = raw.calibrated(by: options.calibrationOverrides[category] ?? group.model.calibration, category: category)
                out[index].zeroShot = zeroShot.contains(index)
            }
        }
        return out
    }

    /// The seed of the dropout stream of (seed, date, key): SplitMix64 finalisers over the three,
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

extension AssetPredictive {
    /// This forecast of category `category` recalibrated by `calibration` (nil: unchanged) — what a signal run applies to the
    /// model's raw predictive: a variance scale c_h scales each member (aleatoric variance × c²; the spread of the means stays),
    /// and `PredictiveCalibration.apply` recalibrates each step's law (scale, then a quantile map of its PIT; the moments above
    /// unchanged by a map, see `PredictiveLaw.pitMap`).
    public func calibrated(by calibration: PredictiveCalibration?, category: String) -> AssetPredictive {
        guard let calibration else { return self }
        let h = horizon, factors = (0..<h).map { calibration.factor(category: category, step: $0) }
        return AssetPredictive(mean: mean, aleatoricVariance: (0..<h).map { aleatoricVariance[$0] * factors[$0] * factors[$0] },
                               epistemicVariance: epistemicVariance,
                               laws: laws.map { laws in (0..<h).map { calibration.apply(laws[$0], category: category, step: $0) } })
    }
}
