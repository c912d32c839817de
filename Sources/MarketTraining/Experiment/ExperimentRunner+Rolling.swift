// The experiment's rolling recalibration, one way for every predictive (single pass, MC-dropout mixture, deep ensemble):
// chosen per category on that predictive's own validation rows, applied to its test rows as of each origin.
import Foundation
import MarketData
import MarketModel
import MarketSupport

extension ExperimentRunner {
    /// One category's rows and their target days (`ForecastRows.targetDays(store:)`).
    typealias DatedRows = (rows: ForecastRows, targetDays: [DayNumber])

    /// Category name → the rolling recalibration chosen on its validation rows `validation` (category name → that
    /// predictive's own rows, e.g. S MC passes for the MC-dropout mixture) by `RollingCalibration.choose` under the config's
    /// `rolling_calibration` rule (empty when off); one progress line per category, prefixed by `label`.
    func chooseRolling(_ validation: [String: DatedRows], idTable: EmbeddingIDTable, label: String) -> [String: RollingChoice] {
        guard config.rollingCalibration != .off else { return [:] }
        var choices: [String: RollingChoice] = [:]
        for (name, entry) in validation.sorted(by: { $0.key < $1.key }) {
            guard let id = idTable.categoryID(of: name),
                  let choice = RollingCalibration.choose(validation: entry.rows, targetDays: entry.targetDays, category: id,
                                                         categoryNames: idTable.categories, method: config.calibrationMethod,
                                                         always: config.rollingCalibration == .always) else { continue }
            choices[name] = choice
            let best = choice.candidates.min { ($0.value, $0.key) < ($1.value, $1.key) }
            let chosenKey = choice.chosen?.name ?? RollingChoice.staticKey
            progress(String(format: "experiment: %@%@ rolling recalibration on validation (later half, %d targets): static %.4f, best rolling %@ → %@ (cov50 %.3f, cov90 %.3f)",
                            name, label, choice.targets, choice.staticNLL, best.map { String(format: "%@ %.4f", $0.key, $0.value) } ?? "-",
                            chosenKey, choice.coverage50?[chosenKey] ?? .nan, choice.coverage90?[chosenKey] ?? .nan))
        }
        return choices
    }

    /// Test-period `rows` of category `name` (id `id`, bars of `store`) calibrated as `evaluate` and `signals` do it: with a
    /// chosen `rolling` and the `earlier` rows it reads first (the same predictive before the test period), each origin d
    /// by `rolling.calibration(asOf: d)` on the events of `earlier` and of `rows` themselves realised by d (`fallback` for a
    /// step whose window holds too few); else `fallback` statically.
    static func calibrated(_ rows: ForecastRows, rolling: RollingCalibration?, earlier: DatedRows?, store: FeatureStore, category id: Int,
                           name: String, fallback: PredictiveCalibration, categoryNames: [String]) -> ForecastRows {
        guard let rolling, let earlier else { return fallback.applied(to: rows, categoryNames: categoryNames) }
        let events = RollingCalibration.Events([earlier, (rows, rows.targetDays(store: store))], category: id, horizon: rows.horizon)
        return rolling.applied(to: rows, category: id, categoryName: name, events: events, fallback: fallback)
    }

    /// Category `name`'s rolling choice of each mixture (mixture key → choice; nil when none), for the report's facts.
    static func mixtureFacts(_ choices: [String: [String: RollingChoice]], category name: String) -> [String: RollingChoice]? {
        let mine = choices.compactMapValues { $0[name] }
        return mine.isEmpty ? nil : mine
    }
}
