// `calibrate-signals` as a library call: per category, the rule that did best on the checkpoint's validation period.
import Foundation
import MarketBacktest
import MarketData
import MarketSignals
import MarketSynthetic
import MarketTraining
import MarketSupport

/// The settings of a rule search (CLI `marketgpt calibrate-signals`; defaults = the backtester's and the nightly run's).
public struct SignalCalibrationOptions: Sendable {
    public var objective: SignalRuleObjective = .sharpe
    /// The trade rate (share of asset-days with BUY or SELL) of `.tradeRate`.
    public var targetRate: Double?
    /// Confidence definition: `probabilistic`, `epistemic` (scale fitted here) or `agreement`.
    public var confidence = "probabilistic"
    /// S, MC passes per forecast, and the seed (as in `signals`).
    public var samples = 20
    public var seed: UInt64 = 0
    /// Gap-fill the loaded data as the nightly run does (default true).
    public var gapFill = true
    /// Stale limit of the rule (default 5 calendar days).
    public var maxStaleDays = 5
    /// The backtest whose net-of-cost Sharpe is maximised (mode, commission, slippage, borrow; sizing equal weight).
    public var backtest = BacktestConfiguration()
    /// The grid; nil = `SignalRuleFile.Grid.standard(horizon: H)`.
    public var grid: SignalRuleFile.Grid?

    public init() {}
}

/// Fits `<checkpoint>.signal_rule.json`.
///
/// No look-ahead by construction: the validation period of each category is [`split.validation_start.<category>`
/// or `split.validation_start`, the day before `split.test_start.<category>` or `split.test_start`] from the
/// checkpoint's metadata; the files are read once up to the latest validation end (rows after it are never read,
/// `UniverseSession`), and each category's assets are cut and gap-filled *as of its own validation end*, so no
/// filled gap of a category uses a bar after its period. (Inside the period, a filled gap may use bars later in the
/// period; the last real bar of a date is never synthetic, so no decision reads them.) Each trading date of the
/// period is forecast from bars up to that date with the nightly run's MC seed, the grid is walked per category, and
/// every configuration's actions are backtested over the period on the category's bars with `options.backtest`
/// (fills at the next open, costs, equal weight), annualised with the category's trading days per year. A category whose
/// checkpoint stores a rolling recalibration is forecast on each date as the nightly run of that date forecasts it — the
/// universe as of the date, calibrated as of the date (`SignalCalibrationPanels`) — never with the static calibration.
public enum SignalCalibration {
    /// The validation period of `category` in `metadata`, inclusive: (its validation start — or, when later, the day
    /// after its `train_end` — through the day before its test start), read by `CheckpointCuts`
    /// (`split.validation_start.<category>`, else the global key). A fine-tuned checkpoint trained into or through its
    /// validation period keeps only the days after its last training target (nil when none are left): a rule is never
    /// fitted on forecasts of bars the checkpoint was trained on.
    public static func validationPeriod(metadata: [String: String], category: String) -> (start: DayNumber, end: DayNumber)? {
        let cuts = CheckpointCuts(metadata: metadata, categories: [category])
        guard var start = cuts.validationStart[category], let test = cuts.testStart[category] else { return nil }
        if let trainEnd = cuts.trainEnd[category] { start = max(start, trainEnd + 1) }
        guard test > start else { return nil }
        return (start, test - 1)
    }

    /// Fits the rule of every category of `universe` that `checkpoint` knows and that has a validation period in its
    /// metadata (see the type's documentation). Throws `SignalError` for an unusable checkpoint, a grid horizon beyond
    /// its H, an unknown confidence definition, or a checkpoint without any validation period.
    public static func fit(checkpoint: URL, universe: Universe, dataDirectory: URL, options: SignalCalibrationOptions,
                           log: (String) -> Void = { _ in }) throws -> SignalRuleFile {
        let model = try SignalModel.load(checkpoint)
        let horizon = model.model.config.horizon
        let grid = options.grid ?? .standard(horizon: horizon)
        if let bad = grid.horizons.first(where: { $0 < 1 || $0 > horizon }) {
            throw SignalError.horizon(requested: bad, modelHorizon: horizon, file: checkpoint.path)
        }
        var base = SignalRule(confidenceThreshold: 0, minReturn: 0, horizon: 1, maxStaleDays: options.maxStaleDays)
        switch options.confidence {
        case "agreement": base.confidence = .agreement
        case "probabilistic", "epistemic": base.confidence = .probabilistic
        default: throw SignalError.checkpoint(file: checkpoint.path, reason: "unknown confidence '\(options.confidence)' (\(ConfidenceMeasure.names.joined(separator: ", ")))")
        }
        // Categories the checkpoint knows, with their periods; the others get their reason.
        var periods: [String: (start: DayNumber, end: DayNumber)] = [:]
        var unfitted: [String: String] = [:]
        for category in universe.categories.map(\.name) {
            guard model.idTable.categories.contains(category) else { unfitted[category] = "not in the checkpoint"; continue }
            if let period = validationPeriod(metadata: model.metadata, category: category) {
                periods[category] = period
            } else {
                unfitted[category] = noPeriodReason(metadata: model.metadata, category: category)
            }
        }
        guard let loadEnd = periods.values.map(\.end).max() else {
            throw SignalError.checkpoint(file: checkpoint.path, reason: "no split.validation_start / split.test_start in __metadata__ "
                                         + "for any category of the universe: nothing to calibrate on")
        }
        let session = UniverseSession(definition: universe, dataDirectory: dataDirectory, readUpTo: loadEnd)
        let forecasts = try SignalCalibrationPanels(model: model, session: session, periods: periods, options: options, base: base, log: log)
        unfitted.merge(forecasts.unfitted) { $1 }
        let (assets, members, names) = (forecasts.assets, forecasts.members, forecasts.names)

        var fitted: [String: SignalRuleFile.Category] = [:]
        for name in names {
            var panel = forecasts.panels[name]!
            let scales = options.confidence == "epistemic" ? panel.fitEpistemicScales() : []
            let indices = members[name]!
            let prices = PriceMatrix(tickers: panel.tickers, series: indices.map { index in
                assets[index].series ?? OHLCVSeries(dates: [], open: [], high: [], low: [], close: [], volume: [], isSynthetic: [])
            })
            var configuration = options.backtest
            configuration.sizing = .equalWeight
            configuration.barsPerYear = Double(universe.categories.first { $0.name == name }!.tradingDaysPerYear)
            let dates = panel.dates
            let startRow = prices.lastRow(onOrBefore: dates[0]) ?? 0
            let endRow = prices.lastRow(onOrBefore: dates[dates.count - 1]) ?? 0
            let placeRow = dates.map { prices.firstRow(after: $0) }
            let n = panel.tickers.count
            let choice = SignalRuleSearch.fit(panel: panel, grid: grid, objective: options.objective, targetRate: options.targetRate) { actions in
                var decisions = [Int8](repeating: 0, count: prices.dateCount * n)
                for (d, row) in placeRow.enumerated() where row <= endRow && row > startRow {
                    for a in 0..<n where actions[d * n + a] != 0 { decisions[row * n + a] = actions[d * n + a] }
                }
                let report = BacktestReport.run(prices: prices, decisions: DecisionMatrix(decisions: decisions, assetCount: n,
                                                                                        startRow: startRow, endRow: max(startRow, endRow)),
                                                configuration: configuration)
                return SignalRuleEvaluation(sharpe: report.metrics.sharpe, totalReturn: report.metrics.totalReturn,
                                            trades: report.metrics.numTrades)
            }
            let period = periods[name]!
            fitted[name] = SignalRuleFile.Category(
                confidenceThreshold: choice.confidenceThreshold, minReturn: choice.minReturn, horizon: choice.horizon,
                epistemicScale: scales.isEmpty ? nil : scales[choice.horizon - 1].isFinite ? scales[choice.horizon - 1] : nil,
                validationStart: CivilDate.isoString(period.start), validationEnd: CivilDate.isoString(period.end),
                dates: dates.count, assets: n, sharpe: choice.evaluation.sharpe.isFinite ? choice.evaluation.sharpe : nil,
                totalReturn: choice.evaluation.totalReturn.isFinite ? choice.evaluation.totalReturn : nil,
                trades: choice.evaluation.trades, tradeRate: choice.tradeRate)
            log("calibrate-signals: \(name): \(choice.evaluated) configurations searched")
        }
        let b = options.backtest
        return SignalRuleFile(checkpoint: checkpoint.lastPathComponent, contentHash: model.contentHash, objective: options.objective.rawValue,
                              targetRate: options.objective == .tradeRate ? options.targetRate : nil, confidence: options.confidence,
                              samples: options.samples, seed: options.seed, grid: grid,
                              backtest: .init(mode: b.mode.rawValue, commission: b.commission, slippageBps: b.slippageBps, borrowRate: b.borrowRate),
                              categories: fitted, unfitted: unfitted)
    }

    /// Why `validationPeriod(metadata:category:)` is nil for `category`.
    public static func noPeriodReason(metadata: [String: String], category: String) -> String {
        let cuts = CheckpointCuts(metadata: metadata, categories: [category])
        guard cuts.validationStart[category] != nil, cuts.testStart[category] != nil else {
            return "no validation period in the checkpoint's metadata"
        }
        if let trainEnd = cuts.trainEnd[category] { return "no validation day after its train_end \(CivilDate.isoString(trainEnd))" }
        return "empty validation period"
    }

    /// Every asset of the universe (universe order) as of its category's validation end — cut there and, when
    /// `gapFill`, gap-filled from that cut only (as `UniverseSession.signalAssets`) — with the dates of its real
    /// bars. Assets of categories without a period are listed as of the latest end (they are never scored).
    public static func assetsAsOfValidationEnd(session: UniverseSession, periods: [String: (start: DayNumber, end: DayNumber)],
                                        gapFill: Bool, seed: UInt64) -> [(asset: SignalAsset, realDates: [DayNumber])] {
        let latest = periods.values.map(\.end).max()
        var views: [DayNumber?: (assets: [SignalAsset], real: [[DayNumber]])] = [:]
        func view(asOf end: DayNumber?) -> (assets: [SignalAsset], real: [[DayNumber]]) {
            if let cached = views[end] { return cached }
            var universe = session.loaded(asOf: end)
            let real = universe.assets.map { $0.real?.dates ?? [] }
            if gapFill { universe = GapFiller.fill(universe, options: GapFillOptions(seed: seed, synthesizeMissing: false)).universe }
            views[end] = (SignalAsset.assets(of: universe), real)
            return views[end]!
        }
        return session.definition.assets.indices.map { index in
            let category = session.definition.categories[session.definition.assets[index].categoryID].name
            let cut = view(asOf: periods[category]?.end ?? latest)
            return (cut.assets[index], cut.real[index])
        }
    }

}
