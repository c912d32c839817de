// WalkForwardFineTuner: evaluate-then-fine-tune over calendar windows of one category, then the held-out OOS test.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// The forecasts behind a category's result (for pooling across categories and for plots).
public struct WalkForwardForecasts: Sendable {
    /// Per window, its scored rows.
    public var windows: [ForecastRows]
    /// Out-of-sample rows of the pretrained and of the fine-tuned model (same targets).
    public var outOfSamplePretrained: ForecastRows
    public var outOfSampleFineTuned: ForecastRows
    /// The final weights' rows on the last update's held-out tail (bars before the out-of-sample period that no update
    /// trained on; no baselines attached): the only rows before the out-of-sample period scored by the weights that are
    /// kept, hence what their calibration is fitted on (`PredictiveCalibration.fineTuned`). Nil without a fall-back gate,
    /// without a tail, or when fine-tuning fell back (the starting weights keep their calibration).
    public var heldOutTail: ForecastRows? = nil
}

/// Walk-forward fine-tuning of one category (issue 6):
/// 1. restrict the store to the category's assets; the out-of-sample (OOS) period is the last
///    `oosYears` of the category (moved past the checkpoint's `train_end.<category>` when it starts on or
///    before it) and is never trained on nor used by any window; no origin before train_end is ever scored
///    (windows wholly inside the training range are fine-tuned on only, and counted);
/// 2. score the pretrained model on the OOS period (phase 3 reference);
/// 3. for each window of `windowMonths` before the OOS start: score the current model and the
///    baselines (GARCH fitted on bars before the window minus the purge) on the window's targets
///    (targets inside the OOS period are not scored), then fine-tune on bars up to the window's end
///    minus the purge (H bars) so no training target reaches the next window;
/// 4. score the fine-tuned model on the OOS period (baselines fitted on everything before it).
///
/// The trainer is pre-training's `Trainer` (AdamW, warmup + cosine over the run's total steps,
/// clipping); `trainer.model` is updated in place and is the fine-tuned model afterwards.
public struct WalkForwardFineTuner {
    public let store: FeatureStore
    public let normalizer: FeatureNormalizer
    public let options: WalkForwardOptions

    /// `store`: the whole universe's features (asset ids = universe order); `normalizer`: the checkpoint's.
    public init(store: FeatureStore, normalizer: FeatureNormalizer, options: WalkForwardOptions) {
        self.store = store
        self.normalizer = normalizer
        self.options = options
    }

    /// The category's assets with enough bars for one context, the horizon and a baseline fit.
    public func categoryStore(_ categoryID: Int, contextLength: Int, horizon: Int) -> FeatureStore {
        FeatureStore(assets: store.assets.filter { $0.categoryID == categoryID && $0.count >= contextLength + horizon + 30 },
                     categoryWeights: store.categoryWeights, featureSet: store.featureSet)
    }

    /// One planned window: its label days and per-asset evaluation origins and training ranges.
    struct PlannedWindow {
        var start: DayNumber, end: DayNumber
        var evaluation: [Range<Int>]     // origins per asset
        var fineTune: [Range<Int>]       // bars trained on after the evaluation (targets stay inside)
        var baselineFitEnd: [Int]        // GARCH fitted on bars 0..<this per asset
    }

    /// The windows of `category` (a category store) before `oosStart`. Origins before `scorableFrom[i]`
    /// (the first origin whose targets lie after the checkpoint's train_end) are never evaluated.
    func plan(_ category: FeatureStore, oosStart: DayNumber, contextLength: Int, horizon: Int, scorableFrom: [Int]? = nil,
              windowsFrom: DayNumber? = nil) -> [PlannedWindow] {
        let purge = options.purgeBars ?? horizon
        let first = category.assets.map { $0.dates.first ?? oosStart }.min() ?? oosStart
        let (fy, fm, _) = CivilDate.civil(first)
        var startDay = CivilDate.dayNumber(year: fy + options.minimumHistoryYears, month: fm, day: 1)
        if let years = options.walkForwardYears {
            let (oy, om, _) = CivilDate.civil(oosStart)
            startDay = max(startDay, CivilDate.dayNumber(year: oy - years, month: om, day: 1))
        }
        if let windowsFrom {
            let (wy, wm, _) = CivilDate.civil(windowsFrom)
            startDay = max(startDay, CivilDate.dayNumber(year: wy, month: wm, day: 1))
        }
        let oosBars = category.assets.map { $0.firstIndex(onOrAfter: oosStart) }
        let minimumHistory = max(contextLength, 200 * options.minimumHistoryYears)
        var windows: [PlannedWindow] = []
        let (y, m, _) = CivilDate.civil(startDay)
        var monthIndex = y * 12 + m - 1
        while true {
            let start = CivilDate.dayNumber(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1)
            if start >= oosStart { break }
            monthIndex += options.windowMonths
            let end = min(CivilDate.dayNumber(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1), oosStart)
            var evaluation: [Range<Int>] = [], fineTune: [Range<Int>] = [], fitEnd: [Int] = []
            for (i, asset) in category.assets.enumerated() {
                let lo = asset.firstIndex(onOrAfter: start), hi = min(asset.firstIndex(onOrAfter: end), oosBars[i])
                let history = lo - purge
                let scored = max(lo, scorableFrom?[i] ?? 0)
                evaluation.append(history >= minimumHistory ? scored..<max(scored, hi) : lo..<lo)
                fitEnd.append(max(history, 0))
                // After the window: train on bars before (end − purge); targets never reach `hi`.
                let trainEnd = max(0, min(hi, oosBars[i]) - purge)
                let trainStart = options.trainMonths.map { months in
                    let (ey, em, _) = CivilDate.civil(end)
                    let back = ey * 12 + em - 1 - months
                    return asset.firstIndex(onOrAfter: CivilDate.dayNumber(year: back / 12, month: back % 12 + 1, day: 1))
                } ?? 0
                fineTune.append(min(trainStart, trainEnd)..<trainEnd)
            }
            windows.append(PlannedWindow(start: start, end: end, evaluation: evaluation, fineTune: fineTune, baselineFitEnd: fitEnd))
        }
        return windows
    }

    /// The out-of-sample origins of a category store from `oosStart`: per asset, the first scored bar (never a target
    /// on or before `trainEnd`) and the origin range (targets to the series' end). One place for the fine-tuner and
    /// any other forecaster scored on the same OOS targets (the experiment's MC-dropout and ensemble variants).
    public static func outOfSampleOrigins(_ category: FeatureStore, oosStart: DayNumber, trainEnd: DayNumber?) -> (firstBars: [Int], origins: [Range<Int>]) {
        let scorableFrom = category.assets.map { trainEnd.map($0.firstIndex(onOrAfter:)) ?? 0 }
        let oosBars = zip(category.assets, scorableFrom).map { max($0.firstIndex(onOrAfter: oosStart), $1 + 1) }
        return (oosBars, zip(oosBars, category.assets).map { max($0 - 1, 0)..<$1.count })
    }

    /// Optimizer steps of a fine-tuning pass over `ranges`: `epochs` × (non-overlapping T-bar windows) / B.
    func steps(_ ranges: [Range<Int>], contextLength: Int, batchSize: Int) -> Int {
        let windows = ranges.reduce(0) { $0 + $1.count / contextLength }
        guard windows > 0 else { return 0 }
        let steps = (options.epochs * windows + batchSize - 1) / batchSize
        return options.maxStepsPerWindow.map { min($0, steps) } ?? steps
    }

    /// Runs the walk-forward of category `categoryID` named `name`, fine-tuning `model` in place with
    /// `training` (its learning rate, batch size, clipping, decay; the schedule spans this run's steps).
    /// `trainEnd`: the checkpoint's `train_end.<category>` — no origin before it is scored (windows wholly
    /// inside are fine-tuned on only and counted as skipped; an OOS period starting on or before it is moved past it).
    /// `outOfSampleStart` (e.g. the category's pre-training test start) replaces the `oosYears` period;
    /// `windowsFrom` (e.g. its validation start) is the earliest month a window may start.
    public func run(model: MarketGPT, training: TrainingConfig, categoryID: Int, name: String,
                    trainEnd: DayNumber? = nil, outOfSampleStart explicitStart: DayNumber? = nil, windowsFrom: DayNumber? = nil,
                    progress: (String) -> Void = { _ in }) throws -> (result: CategoryWalkForwardResult, forecasts: WalkForwardForecasts, trainer: Trainer) {
        let started = Date()
        let t = model.config.contextLength, h = model.config.horizon
        let category = categoryStore(categoryID, contextLength: t, horizon: h)
        guard let lastDay = category.assets.compactMap(\.dates.last).max() else {
            throw TrainingError(step: nil, reason: "category '\(name)' has no asset with at least \(t + h + 30) bars")
        }
        let plannedStart = explicitStart ?? outOfSampleStart(lastDay: lastDay, years: options.oosYears)
        let overlaps = trainEnd.map { $0 >= plannedStart } ?? false
        let oosStart = overlaps ? trainEnd! + 1 : plannedStart
        // First origin whose targets all lie after train_end (origin day ≥ train_end).
        let scorableFrom = category.assets.map { trainEnd.map($0.firstIndex(onOrAfter:)) ?? 0 }
        let (oosBars, oosOrigins) = Self.outOfSampleOrigins(category, oosStart: oosStart, trainEnd: trainEnd)
        let purge = options.purgeBars ?? h
        let collector = ForecastCollector(store: category, normalizer: normalizer)
        let windows = plan(category, oosStart: oosStart, contextLength: t, horizon: h, scorableFrom: scorableFrom, windowsFrom: windowsFrom)
        let plannedSteps = windows.map { steps($0.fineTune, contextLength: t, batchSize: training.batchSize) }
        var config = training
        config.totalSteps = max(1, plannedSteps.reduce(0, +))
        config.warmupSteps = min(training.warmupSteps, config.totalSteps / 10)
        config.seed = options.seed
        config.evalEvery = Int.max / 2
        config.checkpointEvery = Int.max / 2
        let trainer = Trainer(model: model, config: config)

        // Out-of-sample: origins from the OOS start (targets to the end); baselines fitted before it.
        let oosLimits = category.assets.map(\.count)
        func outOfSampleRows() -> ForecastRows {
            var rows = collector.modelRows(model, origins: oosOrigins, limits: oosLimits)
            collector.attachBaselines(to: &rows, trainingEnd: oosBars.map { $0 - purge })
            return rows
        }
        let pretrainedRows = outOfSampleRows()
        progress("finetune \(name): \(category.assets.count) assets, OOS from \(CivilDate.isoString(oosStart)), \(windows.count) windows, \(config.totalSteps) steps")

        let start = options.fallBackUnlessWindowsImprove ? TrainerSnapshot(trainer) : nil
        // The fall-back validates the last update too (no later window scores it): its held-out tail, kept for the gate.
        let lastUpdate = options.fallBackUnlessWindowsImprove ? plannedSteps.indices.last(where: { plannedSteps[$0] > 0 }) : nil
        var lastTail: (origins: [Range<Int>], limits: [Int])?
        var scoredOrigins: [[Range<Int>]] = []
        var results: [WalkForwardWindowResult] = [], windowRows: [ForecastRows] = []
        var skipped = 0
        var fineTuneEnd: DayNumber?
        for (w, window) in windows.enumerated() {
            // A window wholly on or before train_end is trained on, never scored.
            let insideTraining = trainEnd.map { window.end <= $0 + 1 } ?? false
            var rows = collector.modelRows(model, origins: insideTraining ? window.evaluation.map { $0.lowerBound..<$0.lowerBound } : window.evaluation,
                                           limits: oosBars)
            collector.attachBaselines(to: &rows, trainingEnd: window.baselineFitEnd)
            let evaluation = ForecastEvaluation(rows)
            for (asset, range) in zip(category.assets, window.fineTune) where !range.isEmpty {
                fineTuneEnd = max(fineTuneEnd ?? asset.dates[range.upperBound - 1], asset.dates[range.upperBound - 1])
            }
            var loss: Double?
            var guardResult: FineTuneGuardResult?
            let count = plannedSteps[w]
            if count > 0 {
                // The guard holds out the last `guardBars` bars of the fine-tuning range (plus the purge) as validation.
                let holdsOutTail = options.keepOnlyIfValidationImproves || w == lastUpdate
                let guardBars = holdsOutTail ? options.guardBars : 0
                let trainRanges = window.fineTune.map { $0.lowerBound..<max($0.lowerBound, $0.upperBound - (guardBars > 0 ? guardBars + purge : 0)) }
                let guardOrigins = zip(window.fineTune, trainRanges).map { full, train in
                    guardBars > 0 && !train.isEmpty ? max(train.upperBound + purge - 1, 0)..<max(train.upperBound + purge - 1, full.upperBound - h) : full.upperBound..<full.upperBound
                }
                let guardLimits = window.fineTune.map(\.upperBound)
                func guardNLL() -> Double {
                    let rows = collector.modelRows(model, origins: guardOrigins, limits: guardLimits)
                    return ForecastScoreCard(target: rows.targets, laws: rows.model).nll
                }
                if w == lastUpdate && guardBars > 0 { lastTail = (guardOrigins, guardLimits) }
                let guarded = options.keepOnlyIfValidationImproves && guardBars > 0
                let snapshot = guarded ? TrainerSnapshot(trainer) : nil
                let before = guarded ? guardNLL() : .nan
                var dataset = WindowedDataset(store: category, normalizer: normalizer, ranges: trainRanges, contextLength: t, horizon: h)
                dataset.syntheticTargetWeight = Float(training.syntheticTargetWeight)
                if dataset.windowCount > 0 {
                    let data = try TrainingData(train: dataset, validation: nil, seed: options.seed &+ UInt64(w), validationWindowCount: 0)
                    var sum = 0.0, n = 0
                    try trainer.train(data, until: trainer.state.step + count, afterStep: { report in
                        if report.loss.isFinite { sum += report.loss; n += 1 }
                    })
                    loss = n > 0 ? sum / Double(n) : nil
                }
                if let snapshot {
                    let after = guardNLL()
                    let kept = !(after > before) || !before.isFinite
                    if !kept { snapshot.restore(trainer) }
                    guardResult = FineTuneGuardResult(validationNLLBefore: before, validationNLLAfter: after, kept: kept)
                }
            }
            if insideTraining {
                skipped += 1
                progress(String(format: "finetune %@: window %d/%d %@ inside the training range (train_end %@): fine-tuned on, not scored, %d steps",
                                name, w + 1, windows.count, CivilDate.isoString(window.start), CivilDate.isoString(trainEnd!), count))
                continue
            }
            results.append(WalkForwardWindowResult(start: CivilDate.isoString(window.start), end: CivilDate.isoString(window.end),
                                                   fineTuneSteps: count, fineTuneLoss: loss, guardResult: guardResult, evaluation: evaluation))
            windowRows.append(rows)
            scoredOrigins.append(window.evaluation)
            let nll = evaluation.scores["model"]?.nll ?? .nan, garch = evaluation.scores["garch"]?.nll ?? .nan
            progress(String(format: "finetune %@: window %d/%d %@ targets %d nll model %.4f garch %.4f, %d steps loss %@",
                            name, w + 1, windows.count, CivilDate.isoString(window.start), evaluation.targets, nll, garch, count,
                            loss.map { String(format: "%.4f", $0) } ?? "-"))
        }
        var fallBack: FallBackDecision?
        var tailRows: ForecastRows?
        if let start, !windowRows.isEmpty || lastTail != nil {
            // 1. The fine-tuned path vs the starting model on exactly the windows' targets (each window scored before it was trained on).
            // 2. The final weights vs the starting model on the last update's held-out tail (bars before the out-of-sample
            //    period that update did not train on) — no later window scores that update.
            let tuned = TrainerSnapshot(trainer)
            tailRows = lastTail.map { collector.modelRows(model, origins: $0.origins, limits: $0.limits) }
            let tailTuned = tailRows.map { LawScores(target: $0.targets, laws: $0.model).negativeLogLikelihood }
            start.restore(trainer)
            var tunedSum = 0.0, startSum = 0.0, n = 0
            var windowLosses: (tuned: [Double], start: [Double], days: [Int]) = ([], [], [])
            for (rows, origins) in zip(windowRows, scoredOrigins) {
                let again = collector.modelRows(model, origins: origins, limits: oosBars)
                precondition(again.targets.count == rows.targets.count, "WalkForwardFineTuner: window rows differ")
                let a = LawScores(target: rows.targets, laws: rows.model).negativeLogLikelihood
                let b = LawScores(target: again.targets, laws: again.model).negativeLogLikelihood
                for k in a.indices where a[k].isFinite && b[k].isFinite {
                    tunedSum += a[k]; startSum += b[k]; n += 1
                    windowLosses.tuned.append(a[k]); windowLosses.start.append(b[k]); windowLosses.days.append(Int(rows.days[k / h]))
                }
            }
            var decision = FallBackDecision(windowsTuned: n > 0 ? tunedSum / Double(n) : nil, windowsStart: n > 0 ? startSum / Double(n) : nil)
            decision.significance = options.fallBackSignificance
            if n > 1 { decision.windowsDM = Self.dieboldMariano(windowLosses) }
            if let tail = lastTail, let a = tailTuned {
                let rows = collector.modelRows(model, origins: tail.origins, limits: tail.limits)
                let b = LawScores(target: rows.targets, laws: rows.model).negativeLogLikelihood
                var sa = 0.0, sb = 0.0, m = 0
                var tailLosses: (tuned: [Double], start: [Double], days: [Int]) = ([], [], [])
                for k in a.indices where a[k].isFinite && b[k].isFinite {
                    sa += a[k]; sb += b[k]; m += 1
                    tailLosses.tuned.append(a[k]); tailLosses.start.append(b[k]); tailLosses.days.append(Int(rows.days[k / h]))
                }
                if m > 0 { decision.tailTuned = sa / Double(m); decision.tailStart = sb / Double(m) }
                if m > 1 { decision.tailDM = Self.dieboldMariano(tailLosses) }
            }
            if !decision.fellBack { tuned.restore(trainer) }
            fallBack = decision
            progress(String(format: "finetune %@: windows NLL fine-tuned %@ vs start %@ (%d targets, DM %@), last update's held-out tail %@ vs %@ (DM %@): %@",
                            name, Self.format(decision.windowsTuned), Self.format(decision.windowsStart), n, Self.format(decision.windowsDM),
                            Self.format(decision.tailTuned), Self.format(decision.tailStart), Self.format(decision.tailDM),
                            decision.fellBack ? (decision.worse ? "fine-tuning did worse, the starting weights are kept"
                                                 : "not a significant improvement on both the windows and the tail (α \(decision.significance!)), the starting weights are kept")
                                              : "fine-tuned weights kept"))
        }
        let fineTunedRows = outOfSampleRows()
        var pooled = ForecastRows(horizon: h)
        for rows in windowRows { pooled.append(rows) }
        var result = CategoryWalkForwardResult(
            category: name, categoryID: categoryID, assets: category.assets.count,
            outOfSampleStart: CivilDate.isoString(oosStart), lastDay: CivilDate.isoString(lastDay),
            outOfSampleOverlapsPretraining: overlaps, trainEnd: trainEnd.map(CivilDate.isoString),
            windowsSkippedInsideTraining: skipped, windows: results, walkForward: pooled.count > 0 ? ForecastEvaluation(pooled) : nil,
            outOfSamplePretrained: ForecastEvaluation(pretrainedRows), outOfSampleFineTuned: ForecastEvaluation(fineTunedRows),
            // Fell back: the starting weights never trained on the windows, so train_end stays the checkpoint's.
            fineTuneTrainEnd: (fallBack?.fellBack == true ? [trainEnd] : [fineTuneEnd, trainEnd]).compactMap { $0 }.max().map(CivilDate.isoString),
            fineTuneSteps: trainer.state.step, seconds: Date().timeIntervalSince(started))
        result.windowsNLLFineTuned = fallBack?.windowsTuned
        result.windowsNLLStart = fallBack?.windowsStart
        result.tailNLLFineTuned = fallBack?.tailTuned
        result.tailNLLStart = fallBack?.tailStart
        result.fellBack = fallBack?.fellBack
        result.fallBackSignificance = fallBack?.significance
        result.windowsDieboldMariano = fallBack?.windowsDM
        result.tailDieboldMariano = fallBack?.tailDM
        var forecasts = WalkForwardForecasts(windows: windowRows, outOfSamplePretrained: pretrainedRows, outOfSampleFineTuned: fineTunedRows)
        if fallBack?.fellBack == false { forecasts.heldOutTail = tailRows }
        return (result, forecasts, trainer)
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    static func format(_ dm: DieboldMarianoResult?) -> String { dm.map { String(format: "%.2f, p %.3f", $0.statistic, $0.pValue) } ?? "-" }

    /// The Diebold–Mariano test of fine-tuned vs starting losses on daily mean differentials (negative: fine-tuned better).
    static func dieboldMariano(_ losses: (tuned: [Double], start: [Double], days: [Int])) -> DieboldMarianoResult {
        DieboldMariano.test(differential: DieboldMariano.dailyMeanDifferential(lossA: losses.tuned, lossB: losses.start, dateIDs: losses.days))
    }
}

/// The fall-back gate's evidence (mean NLL in nats, nil when there was none) and its verdict.
struct FallBackDecision {
    /// The fine-tuned path and the starting model on the scored windows' targets.
    var windowsTuned: Double?, windowsStart: Double?
    /// The final weights and the starting model on the last update's held-out tail.
    var tailTuned: Double?, tailStart: Double?

    /// Diebold–Mariano tests of fine-tuned vs starting NLL (daily mean differentials) on each piece of evidence.
    var windowsDM: DieboldMarianoResult?, tailDM: DieboldMarianoResult?
    /// `WalkForwardOptions.fallBackSignificance` (nil: no significance required).
    var significance: Double?

    /// The fine-tuning scored worse on either piece of evidence (a tie is not worse).
    var worse: Bool {
        let windowsWorse = windowsTuned.flatMap { a in windowsStart.map { a > $0 } } ?? false
        let tailWorse = tailTuned.flatMap { a in tailStart.map { a > $0 } } ?? false
        return windowsWorse || tailWorse
    }

    /// Fall back when the fine-tuning scored worse on either piece of evidence (a tie keeps the fine-tuned weights), or,
    /// with a significance level α, unless *both* pieces exist and both show a significant improvement (DM statistic < 0,
    /// two-sided p < α): the windows say the procedure gains out of sample over time, the tail that the final weights — what
    /// ships — gain on bars no update trained on; one without the other is not enough (an intersection–union test: level α
    /// with no correction, where "either" would keep a useless fine-tune up to 2α of the time). No scored window (every
    /// window inside the pre-training range) or no tail therefore means: not shown, fall back.
    var fellBack: Bool {
        if worse { return true }
        guard let alpha = significance else { return false }
        func significant(_ dm: DieboldMarianoResult?) -> Bool { dm.map { $0.statistic < 0 && $0.pValue < alpha } ?? false }
        return !(significant(windowsDM) && significant(tailDM))
    }
}
