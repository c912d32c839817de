// CheckpointEvaluator: `marketgpt evaluate` as a library call — a checkpoint against the baselines on each category's held-out period.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// The evaluation of one checkpoint (written as JSON by `marketgpt evaluate`).
public struct CheckpointEvaluationReport: Codable, Sendable {
    public struct Category: Codable, Sendable {
        public var category: String
        public var assets: Int
        /// First day scored (ISO) and where it came from (`finetune.oos_start`, `split.test_start.<category>`,
        /// `oos_years`, `from`; `+train_end` when it was moved past the checkpoint's train_end).
        public var start: String
        public var startSource: String
        /// The checkpoint's `train_end.<category>` (ISO): no target on or before it is scored.
        public var trainEnd: String?
        /// The model's own scores before the checkpoint's calibration (nil when it has none; `evaluation` is then raw).
        public var uncalibrated: ForecastEvaluation?
        /// Tickers of this category the checkpoint has not seen (forecast zero-shot: no asset embedding,
        /// normaliser fitted on the asset's own bars before the scored period).
        public var zeroShot: [String]
        /// The zero-shot assets' rows alone (nil when there are none).
        public var zeroShotEvaluation: ForecastEvaluation?
        public var evaluation: ForecastEvaluation
        /// The model's mean predictive variance on the scored targets split into aleatoric, within-model (MC
        /// dropout) and between-model (ensemble) parts (after calibration, which scales the aleatoric part only).
        public var uncertainty: VarianceParts?
        /// The causal rolling recalibration applied instead of the static one (`RollingCalibration.name`, from the
        /// checkpoint's calibration); nil: the static calibration (or none).
        public var rolling: String?
    }
    public var checkpoint: String
    /// K ensemble members and S MC-dropout passes per member of the predictive mixture (1 and 1: one `.eval` pass).
    public var members: Int?
    public var samples: Int?
    public var categories: [Category]
    /// All categories' targets pooled.
    public var pooled: ForecastEvaluation?

    /// The printed table: per category and pooled, the model vs each baseline.
    public var table: String {
        var groups = categories.map { ($0.category, $0.evaluation) }
        if let pooled, categories.count > 1 { groups.append(("pooled", pooled)) }
        return ForecastTable.render(groups.map { ($0.0, $0.1.scores.mapValues { Optional($0) }, $0.1.targets, $0.1.dieboldMariano) },
                                    forecasters: ["model", "rw", "ewma", "garch", "garch_t"], title: "evaluation of \(URL(fileURLWithPath: checkpoint).lastPathComponent)")
    }
}

extension CheckpointEvaluationReport {
    /// One line per category: K × S, and the RMS predictive standard deviation of each variance part (target units,
    /// ×100 = percent log return): aleatoric, within-model (MC), between-model (ensemble).
    public var uncertaintyTable: String {
        var lines = ["predictive variance parts (\(members ?? 1) model(s) × \(samples ?? 1) pass(es)); RMS sd ×100: aleatoric / within-model MC / between-model"]
        for category in categories {
            guard let u = category.uncertainty else { continue }
            lines.append(category.category.padding(toLength: max(16, category.category.count + 1), withPad: " ", startingAt: 0)
                         + String(format: "%8.4f / %8.4f / %8.4f  (epistemic share of variance %.1f %%)",
                                100 * u.aleatoric.squareRoot(), 100 * u.withinModel.squareRoot(), 100 * u.betweenModels.squareRoot(),
                                100 * u.epistemic / max(u.aleatoric + u.epistemic, .leastNonzeroMagnitude)))
        }
        return lines.joined(separator: "\n")
    }
}

/// Scores a checkpoint per category on its held-out period: from `start` when given, else from the
/// checkpoint's `finetune.oos_start` (a fine-tuned checkpoint, its own category) or
/// `split.test_start.<category>` (pre-training's test split of that category), else the last `oosYears`
/// of each category — and never a target on or before the checkpoint's `train_end.<category>` (a start
/// inside the training range is moved past it, and the report says so). Baselines are fitted on
/// each asset's bars before that start (minus H); synthetic targets are never scored.
public enum CheckpointEvaluator {
    /// `checkpointURL`: one checkpoint or an ensemble manifest (`TrainedEnsemble.load`); the model's predictive is the
    /// mixture of the K members × `samples` MC-dropout passes (S = 1: one `.eval` pass per member), drawn from `seed`.
    public static func evaluate(checkpointURL: URL, store: FeatureStore, idTable: EmbeddingIDTable, categories: [String]?,
                                start: DayNumber? = nil, oosYears: Int = 2, samples: Int = 1, seed: UInt64 = 0) throws -> CheckpointEvaluationReport {
        let ensemble = try TrainedEnsemble.load(checkpointURL)
        let loaded = ensemble.primary
        let metadata = loaded.checkpoint.metadata
        // A universe that differs from the checkpoint's: assets by ticker (unseen ones zero-shot), categories by name.
        try loaded.requireFeatures(store.featureSet, file: checkpointURL.path)
        let match = try UniverseMatch.match(store, universe: idTable, checkpoint: loaded.idTable)
        let table = loaded.idTable
        let model = loaded.model
        let t = model.config.contextLength, h = model.config.horizon
        let names = categories ?? loaded.metadata.fineTunedCategory.map { [$0] } ?? table.categories.filter { name in
            idTable.categories.contains(name)
        }
        let cuts = CheckpointCuts(metadata: metadata, categories: table.categories)
        let calibration = ensemble.calibration
        var results: [CheckpointEvaluationReport.Category] = []
        var pooled = ForecastRows(horizon: h)
        for name in names {
            guard let categoryID = table.categoryID(of: name), idTable.categoryID(of: name) != nil else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")); the checkpoint \(table.categories.joined(separator: ", ")))")
            }
            let members = match.store.assets.indices.filter { match.store.assets[$0].categoryID == categoryID && match.store.assets[$0].count >= t + h + 30 }
            let category = FeatureStore(assets: members.map { match.store.assets[$0] }, categoryWeights: match.store.categoryWeights,
                                        featureSet: store.featureSet)
            guard let lastDay = category.assets.compactMap(\.dates.last).max() else { continue }
            let (day, source): (DayNumber, String)
            if let start { (day, source) = (start, "from") }
            else if let d = loaded.metadata.outOfSampleStart, loaded.metadata.fineTunedCategory == name { (day, source) = (d, CheckpointMetadata.Key.outOfSampleStart) }
            else if let d = cuts.testStart[name], d <= lastDay { (day, source) = (d, CheckpointCuts.Key.testStart(name)) }
            else { (day, source) = (outOfSampleStart(lastDay: lastDay, years: oosYears), "oos_years") }
            // Never a target on or before train_end: the first origin is at or after it.
            var (scoredDay, scoredSource) = (day, source)
            if let end = cuts.trainEnd[name], end >= day { (scoredDay, scoredSource) = (end + 1, source + "+train_end") }
            let bars = category.assets.map { asset in max(asset.firstIndex(onOrAfter: scoredDay), cuts.firstScorableOrigin(asset.dates, category: name) + 1) }
            // Zero-shot assets: normaliser fitted on their own bars before the scored period (nothing after it is read).
            var normalizer = loaded.normalizer
            var zeroShot: [String] = [], zeroShotRows: Set<Int> = []
            for (k, asset) in category.assets.enumerated() where asset.assetID >= table.assets.count {
                normalizer.fit(asset, range: 0..<max(0, bars[k] - 1))
                zeroShot.append(match.tickers[members[k]])
                zeroShotRows.insert(k)
            }
            let collector = ForecastCollector(store: category, normalizer: normalizer)
            var rows = collector.modelRows(ensemble.models, samples: samples, seed: seed,
                                           origins: zip(bars, category.assets).map { max($0 - 1, 0)..<$1.count }, limits: category.assets.map(\.count))
            collector.attachBaselines(to: &rows, trainingEnd: bars.map { $0 - h })
            let raw = rows
            let rolling = calibration?.rolling?[name]
            if let rolling {
                rows = rolling.applied(to: raw, category: categoryID, categoryName: name,
                                       events: rollingEvents(rolling, scored: raw, collector: collector, models: ensemble.models, samples: samples,
                                                             seed: seed, scoredBars: bars, scoredDay: scoredDay, cuts: cuts, category: name, id: categoryID),
                                       fallback: calibration)
            } else if let calibration { rows = calibration.applied(to: rows, categoryNames: table.categories) }
            let zeroShotEvaluation = zeroShotRows.isEmpty ? nil : ForecastEvaluation(rows.filtered { zeroShotRows.contains(rows.assets[$0]) })
            results.append(.init(category: name, assets: category.assets.count, start: CivilDate.isoString(scoredDay), startSource: scoredSource,
                                 trainEnd: cuts.trainEnd[name].map(CivilDate.isoString),
                                 uncalibrated: calibration == nil ? nil : ForecastEvaluation(raw), zeroShot: zeroShot,
                                 zeroShotEvaluation: zeroShotEvaluation, evaluation: ForecastEvaluation(rows),
                                 uncertainty: rows.model.varianceParts(targets: rows.targets), rolling: rolling?.name))
            pooled.append(rows)
        }
        return CheckpointEvaluationReport(checkpoint: checkpointURL.path, members: ensemble.count, samples: samples, categories: results,
                                          pooled: pooled.count > 0 ? ForecastEvaluation(pooled) : nil)
    }

    /// The events a stored rolling recalibration reads when scoring `scored` (the raw rows from the bars `scoredBars`):
    /// the model's own raw rows over the trailing window before the scored period — origins from `windowDays` + H bars
    /// before `scoredDay`, never before the checkpoint's first scorable origin (no event the model trained on) — and the
    /// scored rows themselves. Which of them a forecast at day d may use is decided by target day (≤ d) in `RollingCalibration`.
    static func rollingEvents(_ rolling: RollingCalibration, scored: ForecastRows, collector: ForecastCollector, models: [MarketGPT], samples: Int,
                              seed: UInt64, scoredBars: [Int], scoredDay: DayNumber, cuts: CheckpointCuts, category name: String,
                              id: Int) -> RollingCalibration.Events {
        let h = scored.horizon
        let origins = zip(scoredBars, collector.store.assets).map { bar, asset -> Range<Int> in
            let hi = max(bar - 1, 0)
            let lo = max(asset.firstIndex(onOrAfter: scoredDay - DayNumber(rolling.windowDays)) - h - 1,
                         cuts.firstScorableOrigin(asset.dates, category: name), 0)
            return min(lo, hi)..<hi
        }
        let earlier = collector.modelRows(models, samples: samples, seed: seed, origins: origins, limits: collector.store.assets.map(\.count))
        return RollingCalibration.Events([(earlier, earlier.targetDays(store: collector.store)), (scored, scored.targetDays(store: collector.store))],
                                         category: id, horizon: h)
    }
}
