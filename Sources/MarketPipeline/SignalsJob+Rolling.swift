// The rolling recalibration in a signal run: each date, a category whose checkpoint stores one gets its calibration as of that date.
import Foundation
import MarketData
import MarketModel
import MarketSignals
import MarketSupport
import MarketTensor
import MarketTraining

/// The raw laws of past origin dates that rolling recalibrations read, kept for the life of one `SignalsJob`, so a history
/// run (and the backtest's signal history) forecasts each origin once. Thread-safe.
final class RollingSignalCache: @unchecked Sendable {
    private let lock = NSLock()
    /// Origin day → ticker → (H) raw laws of an asset with a real bar on that day.
    private var laws: [DayNumber: [String: [PredictiveLaw]]] = [:]

    func get(_ day: DayNumber) -> [String: [PredictiveLaw]]? { lock.lock(); defer { lock.unlock() }; return laws[day] }
    func set(_ day: DayNumber, _ value: [String: [PredictiveLaw]]) { lock.lock(); defer { lock.unlock() }; laws[day] = value }
}

extension SignalsJob {
    /// Category name → the calibration as of `date` of every category whose checkpoint's calibration stores a rolling
    /// recalibration (`PredictiveCalibration.rolling`): `RollingCalibration.calibration(asOf:…)` on the events of that
    /// category — the checkpoint's own raw law (one `.eval` pass, uncalibrated) at each trading date o before `date` on which
    /// the asset has a real bar, o on or after the checkpoint's `train_end` of the category (no event it trained on), the
    /// origins going back the window plus 3·H + 7 days — and the realised one-day log returns of real bars of `current`
    /// (the assets as of `date`), dated ≤ `date` by construction. The past forecasts come from the universe as of each
    /// origin (`assets(asOf:)`, as a nightly run of that day saw it), so nothing after `date` is read.
    /// Cost: one single-pass forecast per trading date of the window, cached per job (a history run pays each origin once).
    func rollingCalibrations(date: DayNumber, current: [SignalAsset]) throws -> [String: PredictiveCalibration] {
        var rolling: [String: (calibration: RollingCalibration, model: SignalModel, trainEnd: DayNumber?)] = [:]
        for category in definition.categories.map(\.name) {
            guard let model = models.model(for: category), let choice = model.calibration?.rolling?[category] else { continue }
            let cuts = CheckpointCuts(metadata: model.metadata, categories: model.idTable.categories)
            rolling[category] = (choice, model, cuts.trainEnd[category])
        }
        guard !rolling.isEmpty else { return [:] }
        let lookBack = rolling.values.map { $0.calibration.windowDays + 3 * $0.model.model.config.horizon + 7 }.max()!
        var raw = options
        raw.samples = 1
        raw.dropout = .eval
        raw.calibrationOverrides = rolling.mapValues { _ in PredictiveCalibration(fittedOn: "none", factors: [:], targets: [:]) }
        var perOrigin: [(day: DayNumber, laws: [String: [PredictiveLaw]])] = []
        for origin in tradingDates(from: date - DayNumber(lookBack), to: date - 1) {
            if let hit = rollingCache.get(origin) { perOrigin.append((origin, hit)); continue }
            let past = assets(asOf: origin).filter { rolling[$0.category] != nil }
            let forecasts = try NightlySignals.forecasts(date: origin, assets: past, models: models, options: raw)
            var laws: [String: [PredictiveLaw]] = [:]
            for (asset, forecast) in zip(past, forecasts) where forecast.state.lastRealBarDate == origin {
                if let predictive = forecast.predictive?.laws { laws[asset.ticker] = predictive }
            }
            rollingCache.set(origin, laws)
            perOrigin.append((origin, laws))
        }
        var out: [String: PredictiveCalibration] = [:]
        for (category, entry) in rolling.sorted(by: { $0.key < $1.key }) {
            let h = entry.model.model.config.horizon
            var events = [[RollingCalibration.Events.Event]](repeating: [], count: h)
            for asset in current where asset.category == category {
                guard let series = asset.series else { continue }
                for (origin, laws) in perOrigin where entry.trainEnd.map({ origin >= $0 }) ?? true {
                    guard let law = laws[asset.ticker], let j = series.lastIndex(onOrBefore: origin), series.dates[j] == origin else { continue }
                    for step in 0..<min(h, law.count) {
                        let m = j + step + 1
                        guard m < series.count, !series.isSynthetic[m], series.close[m] > 0, series.close[m - 1] > 0 else { continue }
                        events[step].append(.init(day: series.dates[m], law: law[step], target: log(series.close[m] / series.close[m - 1])))
                    }
                }
            }
            out[category] = entry.calibration.calibration(asOf: date, events: RollingCalibration.Events(events), fallback: entry.model.calibration,
                                                          categoryName: category, horizon: h)
        }
        return out
    }
}
