// ExperimentRunner: `marketgpt experiment` as a library call — pre-train with per-category cuts, calibrate on held-out rows,
// walk forward over each category's validation period, score everything on its test period, write report.json + report.md + SVGs.
import Foundation
import MarketSupport
import MarketData
import MarketModel

/// The whole forecasting protocol of issue 13 on one universe. Per category K:
/// 1. pre-training stops before K's validation start (`CategorySplit`; `train_end.<K>` in the checkpoint);
/// 2. the pre-trained calibration (`PredictiveCalibration`) is fitted on K's validation period;
/// 3. walk-forward over K's validation period: each window is scored first, then fine-tuned on (guarded:
///    an update that worsens the NLL of its held-out tail is undone); nothing on or before train_end is scored;
/// 4. the fine-tuned calibration is fitted on the windows' rows (each scored before it was trained on);
/// 5. pre-trained and fine-tuned (raw and calibrated) and RW-20, EWMA 0.94, GARCH, GARCH-t are scored on
///    exactly the same targets of K's test period (never trained on, never used for a choice).
/// Every number is a function of the config's seeds.
public struct ExperimentRunner {
    public var config: ExperimentConfig
    /// `checkpoints/<run>/`: `pretrained.safetensors` (+ calibration), `model_finetuned_<K>.safetensors`.
    public var checkpointDirectory: URL
    /// `runs/<run>/`: `report.json`, `report.md`, SVG charts, `pretrain/metrics.jsonl`.
    public var runDirectory: URL
    /// Use an existing `pretrained.safetensors` in `checkpointDirectory` instead of pre-training again.
    public var reusePretrained = false
    /// Stop pre-training at this step (nil: the config's total_steps).
    public var pretrainStopStep: Int?
    /// Progress lines (stderr in the CLI).
    public var progress: (String) -> Void

    public init(config: ExperimentConfig, checkpointDirectory: URL, runDirectory: URL, progress: @escaping (String) -> Void = { _ in }) {
        self.config = config
        self.checkpointDirectory = checkpointDirectory
        self.runDirectory = runDirectory
        self.progress = progress
    }

    public func run(store: FeatureStore, idTable: EmbeddingIDTable) throws -> ExperimentReport {
        let started = Date()
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let names = config.categories ?? idTable.categories
        for name in names where idTable.categoryID(of: name) == nil {
            throw TrainingError(step: nil, reason: "categories: unknown category '\(name)' (the universe has \(idTable.categories.joined(separator: ", ")))")
        }
        // 1. Pre-training with per-category cuts.
        let files = TrainingCheckpoint(directory: checkpointDirectory)
        var pretrainSeconds = 0.0
        if reusePretrained && files.exists {
            progress("experiment: reusing \(files.weightsURL.path)")
        } else {
            progress("experiment [1/\(names.count + 2)]: pre-training")
            let summary = try Pretrainer.run(store: store, idTable: idTable, options: PretrainingOptions(
                config: config.pretraining, stopStep: pretrainStopStep, checkpointDirectory: checkpointDirectory,
                runDirectory: runDirectory.appendingPathComponent("pretrain"), resume: false, isTerminal: false, output: progress))
            pretrainSeconds = summary.seconds
        }
        let loaded = try TrainedModel.load(files.weightsURL)
        guard loaded.idTable == idTable else {
            throw TrainingError(step: nil, reason: "\(files.weightsURL.path) was trained on another universe (asset/category id tables differ)")
        }
        try loaded.requireFeatures(store.featureSet, file: files.weightsURL.path)
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        let t = loaded.model.config.contextLength, h = loaded.model.config.horizon

        // 2. Pre-trained calibration on each category's validation period (never its test period).
        progress("experiment [2/\(names.count + 2)]: calibration on the validation periods (\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
        var validationRows = ForecastRows(horizon: h)
        for name in names {
            guard let id = idTable.categoryID(of: name), let start = cuts.validationStart[name], let end = cuts.testStart[name] else { continue }
            let category = FeatureStore(assets: store.assets.filter { $0.categoryID == id && $0.count >= t + h + 30 }, categoryWeights: store.categoryWeights, featureSet: store.featureSet)
            let collector = ForecastCollector(store: category, normalizer: loaded.normalizer)
            let limits = category.assets.map { $0.firstIndex(onOrAfter: end) }
            let origins = zip(category.assets, limits).map { asset, limit -> Range<Int> in
                let lo = max(asset.firstIndex(onOrAfter: start) - 1, cuts.firstScorableOrigin(asset.dates, category: name), 0)
                return lo..<max(lo, limit - 1)          // empty for an asset without bars in the validation period
            }
            var rows = collector.modelRows(loaded.model, origins: origins, limits: limits)
            rows.maskCommonTargets()
            validationRows.append(rows)
        }
        let pretrainedCalibration = PredictiveCalibration.fit(validationRows, categoryNames: idTable.categories, fittedOn: "validation period of each category")
        if config.calibrate {
            // Stored in the checkpoint (weights + state pair rewritten together, so --resume stays consistent).
            let restored = try files.restoreTrainer(config: config.training)
            var metadata = restored.weights.metadata
            metadata.removeValue(forKey: ModelCheckpoint.Key.contentHash)
            metadata[PredictiveCalibration.metadataKey] = try pretrainedCalibration.jsonString()
            try files.write(restored.trainer, metadata: metadata)
        }

        // 3–5. Walk-forward per category, then the test period.
        var groups: [ExperimentGroup] = []
        var pooled: [String: ForecastRows] = [:]
        var pooledWindows = (scored: 0, skipped: 0, kept: 0, rejected: 0)
        for (k, name) in names.enumerated() {
            guard let id = idTable.categoryID(of: name), let testStart = cuts.testStart[name] else {
                progress("experiment: \(name) has no bars; skipped")
                continue
            }
            let elapsed = Date().timeIntervalSince(started)
            let eta = k > 0 ? elapsed / Double(k) * Double(names.count - k) : .nan
            progress(String(format: "experiment [%d/%d]: %@ walk-forward (elapsed %.0f s%@)", k + 3, names.count + 2, name, elapsed,
                            eta.isFinite ? String(format: ", eta %.0f s", eta) : ""))
            let model = try loaded.freshModel()
            let tuner = WalkForwardFineTuner(store: store, normalizer: loaded.normalizer, options: config.walkForward.options(seed: config.training.seed))
            let (result, forecasts, trainer) = try tuner.run(model: model, training: config.finetune, categoryID: id, name: name,
                                                             trainEnd: cuts.trainEnd[name], outOfSampleStart: testStart,
                                                             windowsFrom: cuts.validationStart[name], progress: progress)
            var windowRows = ForecastRows(horizon: h)
            for rows in forecasts.windows { windowRows.append(rows) }
            let finetunedCalibration = PredictiveCalibration.fit(windowRows, categoryNames: idTable.categories,
                                                                 fittedOn: "walk-forward windows of \(name) (each scored before it was trained on)")
            var extra = CheckpointMetadata(run: config.training.run, fineTunedCategory: name, fineTunedFrom: files.weightsURL.lastPathComponent).entries
            extra[CheckpointMetadata.Key.outOfSampleStart] = result.outOfSampleStart
            for (key, value) in loaded.checkpoint.metadata where CheckpointCuts.Key.isCut(key) { extra[key] = value }
            // The drift gate tests today's data against the pre-training range's reference (as `finetune` keeps it).
            extra[FeatureReference.metadataKey] = loaded.checkpoint.metadata[FeatureReference.metadataKey]
            if let end = result.fineTuneTrainEnd { extra[CheckpointCuts.Key.trainEnd(name)] = end }
            if config.calibrate { extra[PredictiveCalibration.metadataKey] = try finetunedCalibration.jsonString() }
            let metadata = try TrainingCheckpoint.modelMetadata(model: trainer.model, idTable: idTable, normalizer: loaded.normalizer,
                                                                step: trainer.state.step, extra: extra)
            try TrainingCheckpoint(directory: checkpointDirectory, name: "model_finetuned_\(name)").write(trainer, metadata: metadata)

            // The same targets for every forecaster: a target missing for either model is dropped for all.
            var pre = forecasts.outOfSamplePretrained, fin = forecasts.outOfSampleFineTuned
            precondition(pre.count == fin.count, "ExperimentRunner: OOS rows differ")
            for i in pre.targets.indices where !(pre.targets[i].isFinite && fin.targets[i].isFinite) { pre.targets[i] = .nan; fin.targets[i] = .nan }
            let variants: [String: ForecastRows] = [
                "pretrained": pre, "pretrained_calibrated": pretrainedCalibration.applied(to: pre, categoryNames: idTable.categories),
                "finetuned": fin, "finetuned_calibrated": finetunedCalibration.applied(to: fin, categoryNames: idTable.categories)]
            for (key, rows) in variants { pooled[key, default: ForecastRows(horizon: h)].append(rows) }
            let kept = result.windows.filter { $0.guardResult?.kept == true }.count
            let rejected = result.windows.filter { $0.guardResult?.kept == false }.count
            pooledWindows.scored += result.windows.count; pooledWindows.skipped += result.windowsSkippedInsideTraining
            pooledWindows.kept += kept; pooledWindows.rejected += rejected
            let group = Self.group(name: name, variants: variants, testStart: CivilDate.isoString(testStart), trainEnd: result.trainEnd,
                                   windows: (result.windows.count, result.windowsSkippedInsideTraining, kept, rejected),
                                   calibration: (pretrainedCalibration.factors[name], finetunedCalibration.factors[name]))
            groups.append(group)
            try writeCharts(name: name, variants: variants, result: result)
            progress(String(format: "experiment: %@ test %d targets, NLL pre %.4f → fine-tuned %.4f (calibrated), GARCH-t %.4f, cov50 %.3f cov90 %.3f",
                            name, group.targets, group.scores["pretrained_calibrated"]?.nll ?? .nan, group.scores["finetuned_calibrated"]?.nll ?? .nan,
                            group.scores["garch_t"]?.nll ?? .nan, group.scores["finetuned_calibrated"]?.coverage50 ?? .nan,
                            group.scores["finetuned_calibrated"]?.coverage90 ?? .nan))
        }
        let pooledGroup = groups.count > 1 ? Self.group(name: "pooled", variants: pooled, testStart: nil, trainEnd: nil,
                                                        windows: pooledWindows, calibration: (nil, nil)) : nil
        let targets = ExperimentTargets(
            coverageWithin2pp: groups.filter { g in
                guard let c = g.scores["finetuned_calibrated"] else { return false }
                return abs(c.coverage50 - 0.5) <= 0.02 && abs(c.coverage90 - 0.9) <= 0.02
            }.map(\.name),
            beatsGarchT: groups.filter { g in
                guard let dm = g.dmVersusGarchT["finetuned_calibrated"] else { return false }
                return dm.statistic < 0 && dm.pValue < 0.05
            }.map(\.name),
            finetunedNoWorse: groups.filter { g in
                guard let a = g.scores["finetuned_calibrated"]?.nll, let b = g.scores["pretrained_calibrated"]?.nll else { return false }
                return a <= b
            }.map(\.name),
            categories: groups.count)
        let report = ExperimentReport(run: config.training.run, seed: config.training.seed, pretrainSteps: loaded.step,
                                      pretrainSeconds: pretrainSeconds, categories: groups, pooled: pooledGroup, targets: targets,
                                      seconds: Date().timeIntervalSince(started))
        try AtomicFile.write(try report.jsonData(), to: runDirectory.appendingPathComponent("report.json"))
        try AtomicFile.write(report.markdown(), to: runDirectory.appendingPathComponent("report.md"))
        return report
    }

    /// Scores every variant and baseline of one group on the same targets.
    static func group(name: String, variants: [String: ForecastRows], testStart: String?, trainEnd: String?,
                      windows: (Int, Int, Int, Int), calibration: ([Double]?, [Double]?)) -> ExperimentGroup {
        var scores: [String: ForecastScoreCard] = [:], dm: [String: DieboldMarianoResult] = [:]
        var c50: [String: [Double]] = [:], c90: [String: [Double]] = [:]
        var losses: [String: [Double]] = [:]
        var targets = 0
        var dayIDs: [Int] = []
        for key in variants.keys.sorted() {
            let rows = variants[key]!
            let evaluation = ForecastEvaluation(rows)
            scores[key] = evaluation.scores["model"]
            c50[key] = evaluation.perHorizon["model"]?.map(\.coverage50); c90[key] = evaluation.perHorizon["model"]?.map(\.coverage90)
            dm[key] = evaluation.dieboldMariano["garch_t"]
            losses[key] = LawScores(target: rows.targets, laws: rows.model).negativeLogLikelihood
            if key == "pretrained" {
                targets = evaluation.targets
                for baseline in VarianceBaseline.allCases.map(\.rawValue) {
                    scores[baseline] = evaluation.scores[baseline]
                    c50[baseline] = evaluation.perHorizon[baseline]?.map(\.coverage50); c90[baseline] = evaluation.perHorizon[baseline]?.map(\.coverage90)
                }
                dayIDs = rows.days.flatMap { [Int](repeating: Int($0), count: rows.horizon) }
            }
        }
        var versus: DieboldMarianoResult?
        if let a = losses["finetuned_calibrated"], let b = losses["pretrained_calibrated"], !dayIDs.isEmpty {
            versus = DieboldMariano.test(differential: DieboldMariano.dailyMeanDifferential(lossA: a, lossB: b, dateIDs: dayIDs))
        }
        return ExperimentGroup(name: name, targets: targets, testStart: testStart, trainEnd: trainEnd,
                               windowsScored: windows.0, windowsSkipped: windows.1, updatesKept: windows.2, updatesRejected: windows.3,
                               scores: scores, coverage50PerHorizon: c50, coverage90PerHorizon: c90, dmVersusGarchT: dm,
                               dmFinetunedVersusPretrained: versus, calibrationPretrained: calibration.0, calibrationFinetuned: calibration.1)
    }

    /// coverage_<K>.svg (calibrated fine-tuned model and baselines), pit_<K>.svg / pit_raw_<K>.svg (after / before
    /// calibration), nll_windows_<K>.svg.
    func writeCharts(name: String, variants: [String: ForecastRows], result: CategoryWalkForwardResult) throws {
        let calibrated = ForecastEvaluation(variants["finetuned_calibrated"]!), raw = ForecastEvaluation(variants["finetuned"]!)
        try AtomicFile.write(calibrated.coveragePlot(title: "\(name): test-period coverage per horizon step (fine-tuned, calibrated)"),
                             to: runDirectory.appendingPathComponent("coverage_\(name).svg"))
        try AtomicFile.write(calibrated.pitPlot(title: "\(name): PIT after calibration (fine-tuned)"), to: runDirectory.appendingPathComponent("pit_\(name).svg"))
        try AtomicFile.write(raw.pitPlot(title: "\(name): PIT before calibration (fine-tuned)"), to: runDirectory.appendingPathComponent("pit_raw_\(name).svg"))
        try AtomicFile.write(result.windowNLLPlot(title: "\(name): NLL per walk-forward window"), to: runDirectory.appendingPathComponent("nll_windows_\(name).svg"))
    }
}
