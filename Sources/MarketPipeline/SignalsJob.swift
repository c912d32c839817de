// The signal run behind `marketgpt signals`, the quickstart and any scheduler or server: a universe session,
// the models and the rule; nightly (one date) and history (a range) runs, each date scored as of itself.
import Foundation
import MarketData
import MarketSignals
import MarketSynthetic
import MarketSupport

/// One configured signal run: the universe session (files read once), the models and the rule. Every date
/// is scored from the universe *as of that date* (bars after it cut in memory) and gap-filled from that data
/// only, so a date's file never depends on later bars — in a history run as in a nightly run, byte for byte.
public struct SignalsJob {
    /// The universe and its files, read once.
    public let session: UniverseSession
    /// The checkpoints scoring each category.
    public let models: SignalModelSet
    /// Samples, seed and rule.
    public let options: SignalRunOptions
    /// Fill gaps / back-fill short histories before scoring (`gap_fill`).
    public let gapFill: Bool
    /// Which rule file decides which categories (one line each, for stderr or a job log).
    public var ruleNotes: [String] = []
    /// Target weights written beside the signal files (`weights_out`): the folder and the sizing; nil = none.
    public var weights: (out: URL, sizing: SizingOptions)?
    /// The past raw forecasts read by rolling recalibrations (`rollingCalibrations`), shared by every date of this job.
    let rollingCache = RollingSignalCache()

    public init(session: UniverseSession, models: SignalModelSet, options: SignalRunOptions, gapFill: Bool) {
        self.session = session
        self.models = models
        self.options = options
        self.gapFill = gapFill
    }

    /// The universe definition.
    public var definition: Universe { session.definition }

    /// The job of `settings`: universe, data folder and models loaded and checked (files read up to `readUpTo`);
    /// `production` (category → checkpoint, e.g. from the run registry) overrides the folder's model of a category.
    /// Rules, per category: `overrides` (command-line values), then the `<checkpoint>.signal_rule.json` of the
    /// checkpoint scoring the category (from `calibrate-signals`, unless `settings.signalRule` is false), then the
    /// config's thresholds (`SignalRuleSet`). `settings.weightsOut` adds target-weight files (`settings.sizingOptions`).
    /// Throws `PipelineError` naming the file for a bad universe, a missing folder, an unusable checkpoint or rule file.
    public init(settings: SignalsConfig, readUpTo: DayNumber? = nil, production: [String: URL] = [:],
                overrides: SignalRuleOverrides = SignalRuleOverrides()) throws {
        let session = try UniverseSession.open(universe: URL(fileURLWithPath: settings.universe),
                                               data: URL(fileURLWithPath: settings.data), readUpTo: readUpTo)
        let models: SignalModelSet = try PipelineError.wrap {
            var set: SignalModelSet
            if let file = settings.checkpoint {
                set = SignalModelSet(fallback: try SignalModel.load(URL(fileURLWithPath: file)))
            } else {
                set = try SignalModelSet.load(directory: URL(fileURLWithPath: settings.checkpoints),
                                              categories: session.definition.categories.map(\.name))
            }
            for (category, url) in production { set.byCategory[category] = try SignalModel.load(url) }
            if set.isEmpty { throw SignalError.noCheckpoint(directory: settings.checkpoints) }
            return set
        }
        let rules = try PipelineError.wrap {
            try SignalRuleSet(base: SignalRule(confidenceThreshold: settings.confidenceThreshold, minReturn: settings.minReturn,
                                               horizon: settings.horizon, maxStaleDays: settings.maxStaleDays),
                              confidenceName: settings.confidence, epistemicScale: settings.epistemicScale, models: models,
                              categories: session.definition.categories.map(\.name), useRuleFiles: settings.signalRule,
                              overrides: overrides)
        }
        self.init(session: session, models: models,
                  options: SignalRunOptions(samples: settings.samples, seed: settings.seed, rule: rules.base,
                                            rulesByCategory: rules.byCategory),
                  gapFill: settings.gapFill)
        ruleNotes = rules.notes
        weights = settings.weightsOut.map { (URL(fileURLWithPath: $0), settings.sizingOptions) }
    }

    /// The inputs of every asset as of `date` (see `UniverseSession.signalAssets`).
    public func assets(asOf date: DayNumber) -> [SignalAsset] {
        session.signalAssets(asOf: date, gapFill: gapFill, seed: options.seed)
    }

    /// The rows of `date`; throws `SignalError.noData` when no asset has a real bar on or before it. The forecasts are
    /// `forecasts(date:)`'s (a rolling category calibrated as of `date`), each decided by its category's rule.
    public func records(date: DayNumber) throws -> [SignalRecord] {
        let scored = try forecasts(date: date)
        let rows = try NightlySignals.records(date: date, assets: scored.assets, forecasts: scored.forecasts, models: models, options: options)
        guard rows.contains(where: { $0.reason != SignalRule.Reason.noData }) else {
            throw SignalError.noData(date: CivilDate.isoString(date))
        }
        return rows
    }

    /// The forecasts of `date` as the nightly run of that date applies them, one per asset of `assets(asOf: date)` (universe
    /// order). A category whose checkpoint stores a rolling recalibration is calibrated as of `date` (`rollingCalibrations`:
    /// targets realised by then); then one forward pass serves twice: the raw forecasts of `date` are cached as that origin's
    /// rolling events (the laws `rollingCalibrations` would compute for it) and, recalibrated as of `date`, give its
    /// forecasts — so a history run (the experiment's strategy step, the backtest's signal history) and `calibrate-signals`
    /// make one as-of view and one forecast per date. Every other category gets its checkpoint's static calibration.
    public func forecasts(date: DayNumber) throws -> (assets: [SignalAsset], forecasts: [AssetForecast]) {
        let current = assets(asOf: date)
        let rolling = try rollingCalibrations(date: date, current: current)
        guard !rolling.isEmpty else { return (current, try NightlySignals.forecasts(date: date, assets: current, models: models, options: options)) }
        let forecasts = zip(current, try rawForecasts(date: date, assets: current)).map { asset, raw -> AssetForecast in
            var forecast = raw
            let calibration = rolling[asset.category] ?? options.calibrationOverrides[asset.category] ?? models.model(for: asset.category)?.calibration
            forecast.predictive = raw.predictive?.calibrated(by: calibration, category: asset.category)
            return forecast
        }
        return (current, forecasts)
    }

    /// The trading dates in `from...to`: every date on which at least one asset has a real bar.
    public func tradingDates(from: DayNumber, to: DayNumber) -> [DayNumber] {
        session.tradingDates(from: from, to: to)
    }

    /// The nightly run: scores `date` and writes `<out>/<date>.csv` + `.json` (and the target weights when
    /// `weights` is set, sized against the latest earlier weight file); returns the rows and the CSV URL. With a rolling
    /// category, the raw laws of its look-back window are read from (and its date's written to) `<out>/rolling_laws/`
    /// (`RollingLawStore`: keyed by checkpoint, options, universe and data, never stale), so a night pays one forecast; after
    /// the night's files are written, the law files of origins no later night can read (before `date` minus
    /// `rollingLookBackDays`) are deleted, so the folder holds one look-back window. (A history run keeps every origin's.)
    public func runNightly(date: DayNumber, out: URL) throws -> (records: [SignalRecord], csv: URL) {
        persistRollingLaws(beside: out)
        return try PipelineError.wrap {
            let rows = try records(date: date)
            let csv = try Self.write(rows, date: date, out: out)
            var writer = weightsWriter()
            try writeWeights(rows, date: date, with: &writer)
            if let lookBack = rollingLookBackDays { try rollingCache.store?.prune(before: date - DayNumber(lookBack)) }
            return (rows, csv)
        }
    }

    /// The history run: every trading date of `from…to` (or `dates` when given), each scored as of itself
    /// and written to `<out>/<date>.csv` + `.json`; `progress(index, count, date)` after each date.
    /// Returns the dates and the rows of every date, in date order.
    public func runHistory(from: DayNumber, to: DayNumber, out: URL,
                           progress: (Int, Int, DayNumber) -> Void = { _, _, _ in }) throws -> (dates: [DayNumber], records: [[SignalRecord]]) {
        let dates = tradingDates(from: from, to: to)
        guard !dates.isEmpty else { throw PipelineError(SignalError.noData(date: CivilDate.isoString(to)).description) }
        return (dates, try runDates(dates, out: out, progress: progress))
    }

    /// Scores and writes each of `dates` (see `runHistory`).
    public func runDates(_ dates: [DayNumber], out: URL,
                         progress: (Int, Int, DayNumber) -> Void = { _, _, _ in }) throws -> [[SignalRecord]] {
        persistRollingLaws(beside: out)
        var all: [[SignalRecord]] = []
        all.reserveCapacity(dates.count)
        var writer = weightsWriter()
        for (index, day) in dates.enumerated() {
            let rows = try PipelineError.wrap { try records(date: day) }
            try Self.write(rows, date: day, out: out)
            try writeWeights(rows, date: day, with: &writer)
            all.append(rows)
            progress(index, dates.count, day)
        }
        return all
    }

    /// A writer of `weights` (nil when the run writes no weights).
    func weightsWriter() -> WeightsWriter? { weights.map { WeightsWriter(out: $0.out, options: $0.sizing) } }

    /// Writes the weights of `date` with `writer` (nothing when nil); write failures name the folder.
    func writeWeights(_ rows: [SignalRecord], date: DayNumber, with writer: inout WeightsWriter?) throws {
        guard var current = writer else { return }
        defer { writer = current }
        do { _ = try PipelineError.wrap { try current.write(rows, date: date) } } catch let error as CocoaError {
            throw PipelineError("\(current.out.relativePath): cannot write the weight files (\(error.localizedDescription))")
        }
    }

    /// Writes `<out>/<date>.csv` and `<out>/<date>.json` atomically; returns the CSV URL.
    @discardableResult
    public static func write(_ records: [SignalRecord], date: DayNumber, out: URL) throws -> URL {
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let name = CivilDate.isoString(date)
            let csv = out.appendingPathComponent(name + ".csv")
            try SignalFile.write(records, csv: csv, json: out.appendingPathComponent(name + ".json"))
            return csv
        } catch let error as CocoaError {
            throw PipelineError("\(out.relativePath): cannot write the signal files (\(error.localizedDescription))")
        }
    }
}
