// The rolling recalibration in a signal run: each date, a category whose checkpoint stores one gets its calibration as of that date.
import Foundation
import MarketData
import MarketModel
import MarketSignals
import MarketSupport
import MarketTensor
import MarketTraining

/// The raw laws of past origin dates that rolling recalibrations read, kept for the life of one `SignalsJob`, so a history
/// run (and the backtest's signal history) forecasts each origin once — and, once a run writes signal files, persisted
/// beside them (`store`, `RollingLawStore`), so the next night's run reads them instead of forecasting its look-back
/// window again. Thread-safe.
final class RollingSignalCache: @unchecked Sendable {
    private let lock = NSLock()
    /// Origin day → ticker → (H) raw laws of an asset of a rolling category with a real bar on that day.
    private var laws: [DayNumber: [String: [PredictiveLaw]]] = [:]
    private var persisted: RollingLawStore?
    private var forecasts = 0

    func get(_ day: DayNumber) -> [String: [PredictiveLaw]]? { lock.lock(); defer { lock.unlock() }; return laws[day] }
    func set(_ day: DayNumber, _ value: [String: [PredictiveLaw]]) { lock.lock(); defer { lock.unlock() }; laws[day] = value }
    /// The laws on disk (nil: memory only, e.g. the server's forecasts).
    var store: RollingLawStore? {
        get { lock.lock(); defer { lock.unlock() }; return persisted }
        set { lock.lock(); defer { lock.unlock() }; persisted = newValue }
    }
    /// Raw forecasts this job made (each K × S passes of every asset): what its runs paid.
    var forecastsMade: Int { lock.lock(); defer { lock.unlock() }; return forecasts }
    func countForecast() { lock.lock(); defer { lock.unlock() }; forecasts += 1 }
    /// Drops the origins before `day` (a later date of an ascending history run never reads them; an earlier date
    /// recomputes them, with the same bytes): memory stays one look-back window of laws.
    func removeAll(before day: DayNumber) { lock.lock(); defer { lock.unlock() }; laws = laws.filter { $0.key >= day } }
}

extension SignalsJob {
    /// The raw forecasts (K × S passes of every asset, one date each) this job has made so far: a nightly run of a rolling
    /// category pays 1 when the laws of its look-back window were persisted by earlier nights (`RollingLawStore`).
    public var rawForecastsMade: Int { rollingCache.forecastsMade }

    /// The categories whose checkpoint stores a rolling recalibration.
    var rollingCategories: Set<String> {
        Set(definition.categories.map(\.name).filter { models.model(for: $0)?.calibration?.rolling?[$0] != nil })
    }

    /// How far back (calendar days) the rolling recalibration of a date reads origins: the longest rolling window plus
    /// 3·H + 7 days (nil when no category is rolling). Origins older than a date minus this are never read by that date or
    /// a later one.
    var rollingLookBackDays: Int? {
        definition.categories.compactMap { category -> Int? in
            guard let model = models.model(for: category.name), let choice = model.calibration?.rolling?[category.name] else { return nil }
            return choice.windowDays + 3 * model.model.config.horizon + 7
        }.max()
    }

    /// Persists the raw laws of this job's rolling categories in `<out>/rolling_laws/` (`RollingLawStore`) and reads earlier
    /// runs' laws from there; nothing when no category is rolling.
    func persistRollingLaws(beside out: URL) {
        let folder = out.appendingPathComponent(RollingLawStore.folderName)
        guard !rollingCategories.isEmpty, rollingCache.store?.folder.standardizedFileURL != folder.standardizedFileURL else { return }
        rollingCache.store = RollingLawStore(folder: folder, job: self)
    }

    /// Category name → the calibration as of `date` of every category whose checkpoint's calibration stores a rolling
    /// recalibration (`PredictiveCalibration.rolling`): `RollingCalibration.calibration(asOf:…)` on the events of that
    /// category — the raw (uncalibrated) laws the nightly run of each trading date o before `date` computed, for the assets
    /// with a real bar at o: the same assets (`assets(asOf: o)`, the universe as that run saw it), batch, seed, S MC-dropout
    /// passes (`samples`, `dropout`) and K ensemble members, so an MC-dropout or ensemble mixture is recalibrated from its
    /// own past laws; o on or after the checkpoint's `train_end` of the category (no event it trained on), the origins going
    /// back the window plus 3·H + 7 days — and the realised one-day log returns of real bars of `current` (the assets as of
    /// `date`), dated ≤ `date` by construction. Nothing after `date` is read.
    /// Cost: one as-of view and one forecast of every asset (K × S passes) per trading date of the window, cached per job
    /// (a history run pays each origin once) and, with a `store`, read from the laws earlier runs persisted (a nightly run
    /// then pays one forecast: its own date's).
    func rollingCalibrations(date: DayNumber, current: [SignalAsset]) throws -> [String: PredictiveCalibration] {
        var rolling: [String: (calibration: RollingCalibration, model: SignalModel, trainEnd: DayNumber?)] = [:]
        for category in definition.categories.map(\.name) {
            guard let model = models.model(for: category), let choice = model.calibration?.rolling?[category] else { continue }
            let cuts = CheckpointCuts(metadata: model.metadata, categories: model.idTable.categories)
            rolling[category] = (choice, model, cuts.trainEnd[category])
        }
        guard !rolling.isEmpty, let lookBack = rollingLookBackDays else { return [:] }
        var perOrigin: [(day: DayNumber, laws: [String: [PredictiveLaw]])] = []
        rollingCache.removeAll(before: date - DayNumber(lookBack))
        let store = rollingCache.store
        for origin in tradingDates(from: date - DayNumber(lookBack), to: date - 1) {
            if rollingCache.get(origin) == nil, let stored = try store?.laws(day: origin) { rollingCache.set(origin, stored) }
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
    /// assets of rolling categories with a real bar at `date` cached (and written to the `store`) as that origin's rolling
    /// events (read only by later dates). Throws `PipelineError` naming the file when the store cannot be written.
    func rawForecasts(date: DayNumber, assets: [SignalAsset]) throws -> [AssetForecast] {
        var raw = options   // the run's own samples, dropout and seed: the past laws are those of the predictive being recalibrated
        let identity = PredictiveCalibration(fittedOn: "none", factors: [:], targets: [:])
        raw.calibrationOverrides = Dictionary(uniqueKeysWithValues: definition.categories.map { ($0.name, identity) })
        let forecasts = try NightlySignals.forecasts(date: date, assets: assets, models: models, options: raw)
        rollingCache.countForecast()
        if rollingCache.get(date) == nil {
            let rolling = rollingCategories
            var laws: [String: [PredictiveLaw]] = [:]
            for (asset, forecast) in zip(assets, forecasts) where rolling.contains(asset.category) && forecast.state.lastRealBarDate == date {
                if let predictive = forecast.predictive?.laws { laws[asset.ticker] = predictive }
            }
            rollingCache.set(date, laws)
            try rollingCache.store?.write(day: date, laws: laws)
        }
        return forecasts
    }
}
