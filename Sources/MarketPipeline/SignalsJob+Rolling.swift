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
    /// Drops the origins before `day` (a later date of an ascending history run never reads them; an earlier date
    /// recomputes them, with the same bytes): memory stays one look-back window of laws.
    func removeAll(before day: DayNumber) { lock.lock(); defer { lock.unlock() }; laws = laws.filter { $0.key >= day } }
}

extension SignalsJob {
    /// Category name → the calibration as of `date` of every category whose checkpoint's calibration stores a rolling
    /// recalibration (`PredictiveCalibration.rolling`): `RollingCalibration.calibration(asOf:…)` on the events of that
    /// category — the raw (uncalibrated) laws the nightly run of each trading date o before `date` computed, for the assets
    /// with a real bar at o: the same assets (`assets(asOf: o)`, the universe as that run saw it), batch, seed, S MC-dropout
    /// passes (`samples`, `dropout`) and K ensemble members, so an MC-dropout or ensemble mixture is recalibrated from its
    /// own past laws; o on or after the checkpoint's `train_end` of the category (no event it trained on), the origins going
    /// back the window plus 3·H + 7 days — and the realised one-day log returns of real bars of `current` (the assets as of
    /// `date`), dated ≤ `date` by construction. Nothing after `date` is read.
    /// Cost: one as-of view and one forecast of every asset (K × S passes) per trading date of the window, cached per job
    /// (a history run pays each origin once).
    func rollingCalibrations(date: DayNumber, current: [SignalAsset]) throws -> [String: PredictiveCalibration] {
        var rolling: [String: (calibration: RollingCalibration, model: SignalModel, trainEnd: DayNumber?)] = [:]
        for category in definition.categories.map(\.name) {
            guard let model = models.model(for: category), let choice = model.calibration?.rolling?[category] else { continue }
            let cuts = CheckpointCuts(metadata: model.metadata, categories: model.idTable.categories)
            rolling[category] = (choice, model, cuts.trainEnd[category])
        }
        guard !rolling.isEmpty else { return [:] }
        let lookBack = rolling.values.map { $0.calibration.windowDays + 3 * $0.model.model.config.horizon + 7 }.max()!
        var perOrigin: [(day: DayNumber, laws: [String: [PredictiveLaw]])] = []
        rollingCache.removeAll(before: date - DayNumber(lookBack))
        for origin in tradingDates(from: date - DayNumber(lookBack), to: date - 1) {
            if rollingCache.get(origin) == nil { _ = try rawForecasts(date: origin, assets: assets(asOf: origin)) }
            perOrigin.append((origin, rollingCache.get(origin)!))
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

    /// The raw (uncalibrated) forecasts of `date` for `assets` — the universe as of `date`, as the nightly run of that date
    /// scores it: the same assets, batch, seed, S MC-dropout passes and K members — and, the first time, the laws of the
    /// assets with a real bar at `date` cached as that origin's rolling events (read only by later dates).
    func rawForecasts(date: DayNumber, assets: [SignalAsset]) throws -> [AssetForecast] {
        var raw = options   // the run's own samples, dropout and seed: the past laws are those of the predictive being recalibrated
        let identity = PredictiveCalibration(fittedOn: "none", factors: [:], targets: [:])
        raw.calibrationOverrides = Dictionary(uniqueKeysWithValues: definition.categories.map { ($0.name, identity) })
        let forecasts = try NightlySignals.forecasts(date: date, assets: assets, models: models, options: raw)
        if rollingCache.get(date) == nil {
            var laws: [String: [PredictiveLaw]] = [:]
            for (asset, forecast) in zip(assets, forecasts) where forecast.state.lastRealBarDate == date {
                if let predictive = forecast.predictive?.laws { laws[asset.ticker] = predictive }
            }
            rollingCache.set(date, laws)
        }
        return forecasts
    }
}
