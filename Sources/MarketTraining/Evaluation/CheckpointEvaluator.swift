// CheckpointEvaluator: `marketgpt evaluate` as a library call — a checkpoint against the baselines on each category's held-out period.
import Foundation
import MarketData
import MarketModel

/// The evaluation of one checkpoint (written as JSON by `marketgpt evaluate`).
public struct CheckpointEvaluationReport: Codable, Sendable {
    public struct Category: Codable, Sendable {
        public var category: String
        public var assets: Int
        /// First day scored (ISO) and where it came from (`finetune.oos_start`, `split.test_start`, `oos_years`, `from`).
        public var start: String
        public var startSource: String
        public var evaluation: ForecastEvaluation
    }
    public var checkpoint: String
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

/// Scores a checkpoint per category on its held-out period: from `start` when given, else from the
/// checkpoint's `finetune.oos_start` (a fine-tuned checkpoint, its own category) or `split.test_start`
/// (pre-training's test split), else the last `oosYears` of each category. Baselines are fitted on
/// each asset's bars before that start (minus H); synthetic targets are never scored.
public enum CheckpointEvaluator {
    public static func evaluate(checkpointURL: URL, store: FeatureStore, idTable: EmbeddingIDTable, categories: [String]?,
                                start: DayNumber? = nil, oosYears: Int = 2) throws -> CheckpointEvaluationReport {
        let loaded = try PretrainedModel.load(checkpointURL)
        let metadata = loaded.checkpoint.metadata
        guard loaded.idTable == idTable else {
            throw TrainingError(step: nil, reason: "\(checkpointURL.path) was trained on another universe (asset/category id tables differ from the config's universe)")
        }
        try loaded.requireFeatures(store.featureSet, file: checkpointURL.path)
        let model = loaded.model
        let t = model.config.contextLength, h = model.config.horizon
        let names = categories ?? metadata["finetune.category"].map { [$0] } ?? idTable.categories
        var results: [CheckpointEvaluationReport.Category] = []
        var pooled = ForecastRows(horizon: h)
        for name in names {
            guard let categoryID = idTable.categoryID(of: name) else {
                throw TrainingError(step: nil, reason: "unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")))")
            }
            let category = FeatureStore(assets: store.assets.filter { $0.categoryID == categoryID && $0.count >= t + h + 30 },
                                        categoryWeights: store.categoryWeights, featureSet: store.featureSet)
            guard let lastDay = category.assets.compactMap(\.dates.last).max() else { continue }
            let (day, source): (DayNumber, String)
            if let start { (day, source) = (start, "from") }
            else if let text = metadata["finetune.oos_start"], metadata["finetune.category"] == name, let d = CivilDate.parseISO(text) { (day, source) = (d, "finetune.oos_start") }
            else if let text = metadata["split.test_start"], let d = CivilDate.parseISO(text), d <= lastDay { (day, source) = (d, "split.test_start") }
            else { (day, source) = (outOfSampleStart(lastDay: lastDay, years: oosYears), "oos_years") }
            let collector = ForecastCollector(store: category, normalizer: loaded.normalizer)
            let bars = category.assets.map { $0.firstIndex(onOrAfter: day) }
            var rows = collector.modelRows(model, origins: zip(bars, category.assets).map { max($0 - 1, 0)..<$1.count }, limits: category.assets.map(\.count))
            collector.attachBaselines(to: &rows, trainingEnd: bars.map { $0 - h })
            results.append(.init(category: name, assets: category.assets.count, start: CivilDate.isoString(day), startSource: source,
                                 evaluation: ForecastEvaluation(rows)))
            pooled.append(rows)
        }
        return CheckpointEvaluationReport(checkpoint: checkpointURL.path, categories: results, pooled: pooled.count > 0 ? ForecastEvaluation(pooled) : nil)
    }
}
