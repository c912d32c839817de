// calibrate-signals' forecasts: every (trading date, asset) of each category's validation period, as the rule search sees it.
import Foundation
import MarketData
import MarketSignals
import MarketSupport

/// The panels `SignalCalibration.fit` searches: per category, the forecast of every trading date of its validation period
/// (a real bar of any of its assets) for each of its assets, recorded with the base rule (`SignalRulePanel.record`).
///
/// Which forecast a date gets depends on the category's calibration, so that the thresholds fitted are the ones the nightly
/// run will apply:
/// - a category whose checkpoint stores a **rolling recalibration** (`PredictiveCalibration.rolling`) gets exactly the
///   forecasts of the nightly `signals` run of that date (`SignalsJob.forecasts(date:)` on the same session, model, samples,
///   seed and gap filling): the universe as of the date, its raw mixture laws recalibrated as of the date from targets
///   realised by then (`SignalsJob.rollingCalibrations`) — never the static calibration, and no bar after the date;
/// - every other category is forecast as before from its assets cut and gap-filled as of its validation end
///   (`SignalCalibration.assetsAsOfValidationEnd`) with the checkpoint's static calibration, one batch per date of the
///   assets of every category open on it — the same batch, hence the same bytes, as without any rolling category.
/// Cost: one forecast (K × S passes of the open categories' assets) per date, plus for rolling categories one as-of view
/// per date and one forecast per trading date of the look-back window before the first date (cached by the job).
struct SignalCalibrationPanels {
    /// Every asset of the universe as of its category's validation end (universe order): the backtest's prices.
    let assets: [SignalAsset]
    /// Category → the indices in `assets` of its assets (universe order).
    let members: [String: [Int]]
    /// The categories with at least one trading date in their period (universe order).
    let names: [String]
    /// Category → its panel, (D, N, H) cells.
    var panels: [String: SignalRulePanel] = [:]
    /// Categories with a period but no real bar in it → the reason.
    var unfitted: [String: String] = [:]
    /// The categories forecast as the nightly run does because their calibration is rolling.
    let rolling: Set<String>

    /// Forecasts every date of `periods` (category → inclusive validation period) with `model` on `session` and records it.
    /// Throws what `NightlySignals.forecasts` and `SignalsJob.forecasts(date:)` throw.
    init(model: SignalModel, session: UniverseSession, periods: [String: (start: DayNumber, end: DayNumber)],
         options: SignalCalibrationOptions, base: SignalRule, log: (String) -> Void) throws {
        let universe = session.definition
        let horizon = model.model.config.horizon
        let views = SignalCalibration.assetsAsOfValidationEnd(session: session, periods: periods, gapFill: options.gapFill, seed: options.seed)
        assets = views.map(\.asset)
        let models = SignalModelSet(fallback: model)
        let run = SignalRunOptions(samples: options.samples, seed: options.seed)
        // The nightly run of each date (rolling categories only): the same session, model, samples, seed and gap filling.
        let job = SignalsJob(session: session, models: models, options: run, gapFill: options.gapFill)
        rolling = Set(periods.keys.filter { model.calibration?.rolling?[$0] != nil })

        // The trading dates of each category inside its period (a real bar of any of its assets).
        var categoryDates: [String: [DayNumber]] = [:]
        for view in views {
            guard let period = periods[view.asset.category] else { continue }
            categoryDates[view.asset.category, default: []] += view.realDates.filter { $0 >= period.start && $0 <= period.end }
        }
        categoryDates = categoryDates.mapValues { Array(Set($0)).sorted() }
        let names = universe.categories.map(\.name).filter { categoryDates[$0]?.isEmpty == false }
        self.names = names
        for (name, period) in periods where categoryDates[name]?.isEmpty != false {
            unfitted[name] = "no real bar in its validation period \(CivilDate.isoString(period.start))…\(CivilDate.isoString(period.end))"
        }
        var members: [String: [Int]] = [:]
        for (index, asset) in assets.enumerated() where categoryDates[asset.category] != nil { members[asset.category, default: []].append(index) }
        self.members = members
        for name in names {
            panels[name] = SignalRulePanel(dates: categoryDates[name]!, tickers: members[name]!.map { assets[$0].ticker }, horizon: horizon)
        }
        if !rolling.isEmpty {
            log("calibrate-signals: \(rolling.sorted().joined(separator: ", ")): rolling recalibration — each date forecast and calibrated as the nightly run of that date")
        }
        // Forecast every date once for all categories open on it.
        let allDates = Array(Set(names.flatMap { categoryDates[$0]! })).sorted()
        var dateIndex: [String: [DayNumber: Int]] = [:]
        for name in names { dateIndex[name] = Dictionary(uniqueKeysWithValues: categoryDates[name]!.enumerated().map { ($1, $0) }) }
        let started = Date()
        for (i, date) in allDates.enumerated() {
            let open = names.filter { dateIndex[$0]![date] != nil }
            var forecastOf: [Int: AssetForecast] = [:]
            // The static path's batch is every open category's assets, as before rolling categories existed (its dropout draws
            // depend on the batch): a static category's cells keep their bytes whatever else the checkpoint recalibrates.
            let scored = open.flatMap { members[$0]! }.sorted()
            if open.contains(where: { !rolling.contains($0) }) {
                let forecasts = try NightlySignals.forecasts(date: date, assets: scored.map { assets[$0] }, models: models, options: run)
                for (k, index) in scored.enumerated() { forecastOf[index] = forecasts[k] }
            }
            if open.contains(where: rolling.contains) {
                let nightly = try job.forecasts(date: date)
                precondition(nightly.assets.count == assets.count, "SignalCalibrationPanels: the as-of view lists every asset in universe order")
                for name in open where rolling.contains(name) { for index in members[name]! { forecastOf[index] = nightly.forecasts[index] } }
            }
            for name in open {
                let d = dateIndex[name]![date]!
                for (a, index) in members[name]!.enumerated() {
                    panels[name]!.record(date: d, asset: a, forecast: forecastOf[index]!, base: base)
                }
            }
            if (i + 1) % 25 == 0 || i + 1 == allDates.count {
                log(String(format: "calibrate-signals: forecasts %d/%d dates (%@), %.0f s", i + 1, allDates.count,
                           CivilDate.isoString(date), Date().timeIntervalSince(started)))
            }
        }
    }
}
