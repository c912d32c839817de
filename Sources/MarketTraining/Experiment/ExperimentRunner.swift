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
/// 4. the fine-tuned calibration is fitted on the windows' rows (each scored before it was trained on); when the fall-back gate
///    returns the pre-trained weights (worse on the windows or on the last update's held-out tail), it is the pre-trained one;
/// 4b. with `rolling_calibration`, a causal rolling recalibration (`RollingCalibration`) is chosen per category on its
///    validation period against the static one; where chosen, `*_calibrated` on the test period is the rolling one (each
///    test date refitted on targets realised by then) and `*_static_calibrated` the static one;
/// 5. pre-trained and fine-tuned (raw and calibrated) and RW-20, EWMA 0.94, GARCH, GARCH-t are scored on
///    exactly the same targets of K's test period (never trained on, never used for a choice);
/// 6. with `ensemble:` (K > 1 or S > 1) also the pre-trained model's MC-dropout mixture (`pretrained_mc`, S passes) and the
///    deep ensemble (`ensemble`, K members × S passes; members 1…K−1 pre-trained with seeds seed+k, written with member 0
///    as `checkpoints/<run>/ensemble.json`), each raw and calibrated on the validation period, with their variance parts.
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
        if pretrainSeconds == 0 { progress("experiment: reused \(files.weightsURL.lastPathComponent): step \(loaded.step), content hash \(loaded.contentHash ?? "none") (verified on load)") }
        guard loaded.idTable == idTable else {
            throw TrainingError(step: nil, reason: "\(files.weightsURL.path) was trained on another universe (asset/category id tables differ)")
        }
        try loaded.requireFeatures(store.featureSet, file: files.weightsURL.path)
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        let t = loaded.model.config.contextLength, h = loaded.model.config.horizon

        // The MC-dropout variant (`pretrained_mc`, S passes of the model) is scored with the protocol; the deep ensemble
        // (members 1…K−1 trained afterwards) is added at the end, so the protocol's report is written before its cost.
        let mixture = config.ensemble
        var mixtureSeconds = 0.0
        func mcRows(_ collector: ForecastCollector, origins: [Range<Int>], limits: [Int]) -> ForecastRows? {
            guard mixture.samples > 1 else { return nil }
            return collector.modelRows([loaded.model], samples: mixture.samples, seed: config.training.seed, origins: origins, limits: limits)
        }

        // 2. Pre-trained calibration on each category's validation period (never its test period).
        progress("experiment [2/\(names.count + 2)]: calibration on the validation periods (\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
        var validationRows = ForecastRows(horizon: h)
        var mixtureValidationRows: [String: ForecastRows] = [:]
        let validationPlan = Self.validationPlan(store: store, normalizer: loaded.normalizer, cuts: cuts, idTable: idTable, names: names,
                                                 contextLength: t, horizon: h)
        var validationByCategory: [String: DatedRows] = [:]
        // Mixture key → category → that mixture's own validation rows (what its rolling recalibration is chosen on and reads first).
        var mixtureValidationByCategory: [String: [String: DatedRows]] = [:]
        for plan in validationPlan {
            let rows = plan.rows(loaded.model)
            validationRows.append(rows)
            validationByCategory[plan.name] = (rows, rows.targetDays(store: plan.collector.store))
            let mixtureStarted = Date()
            if var variant = mcRows(plan.collector, origins: plan.origins, limits: plan.limits) {
                variant.maskCommonTargets()
                mixtureValidationRows["pretrained_mc", default: ForecastRows(horizon: h)].append(variant)
                mixtureValidationByCategory["pretrained_mc", default: [:]][plan.name] = (variant, variant.targetDays(store: plan.collector.store))
            }
            mixtureSeconds += Date().timeIntervalSince(mixtureStarted)
        }
        let method = config.calibrationMethod
        var pretrainedCalibration = PredictiveCalibration.fit(validationRows, categoryNames: idTable.categories,
                                                              fittedOn: "validation period of each category", method: method)
        // The rolling recalibration per category, chosen on its validation period against the static one (`rolling_calibration`).
        let rollingChoices = chooseRolling(validationByCategory, idTable: idTable, label: "")
        // Stored with the static calibration (and carried to the fine-tuned ones): `evaluate`, `signals` and the backtest's
        // signal history apply it as of each date.
        let chosenRolling = rollingChoices.compactMapValues(\.chosen)
        if !chosenRolling.isEmpty { pretrainedCalibration.rolling = chosenRolling }
        var mixtureCalibrations = mixtureValidationRows.mapValues {
            PredictiveCalibration.fit($0, categoryNames: idTable.categories, fittedOn: "validation period of each category", method: method)
        }
        // Each mixture gets its own rolling recalibration, chosen by the same rule on its own validation rows (the laws it recalibrates).
        var mixtureRolling: [String: [String: RollingChoice]] = [:]
        for (key, validation) in mixtureValidationByCategory.sorted(by: { $0.key < $1.key }) {
            let choices = chooseRolling(validation, idTable: idTable, label: " (\(key))")
            mixtureRolling[key] = choices
            if !choices.compactMapValues(\.chosen).isEmpty { mixtureCalibrations[key]?.rolling = choices.compactMapValues(\.chosen) }
        }
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
        var facts: [String: ExperimentGroupFacts] = [:]
        var pooledWindows = (scored: 0, skipped: 0, kept: 0, rejected: 0)
        // Per category: its variants (kept to add the ensemble's), OOS origins and the group's fixed facts.
        var done: [(name: String, variants: [String: ForecastRows], category: FeatureStore, origins: [Range<Int>], testStart: String,
                    trainEnd: String?, windows: (Int, Int, Int, Int), calibration: ([Double]?, [Double]?))] = []
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
            // Fell back to the pre-trained weights (chosen on the windows): the fine-tuned model is the pre-trained one, so is its calibration.
            let finetunedCalibration = PredictiveCalibration.fineTuned(from: pretrainedCalibration, fellBack: result.fellBack == true, windows: windowRows,
                                                                       heldOutTail: forecasts.heldOutTail, category: name,
                                                                       categoryNames: idTable.categories, method: method)!
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
            var variants: [String: ForecastRows] = [
                "pretrained": pre, "pretrained_calibrated": pretrainedCalibration.applied(to: pre, categoryNames: idTable.categories),
                "finetuned": fin, "finetuned_calibrated": finetunedCalibration.applied(to: fin, categoryNames: idTable.categories),
                // Both recalibrations of the pre-trained model on the test period, for the report only (the choice was made on validation).
                "pretrained_variance_scale": pretrainedCalibration.forcing(.varianceScale).applied(to: pre, categoryNames: idTable.categories),
                "pretrained_quantile_map": pretrainedCalibration.forcing(.quantileMap).applied(to: pre, categoryNames: idTable.categories)]
            // The same OOS targets for a mixture: the fine-tuner's origins, the pre-trained rows' mask and baselines.
            let category = tuner.categoryStore(id, contextLength: t, horizon: h)
            if let rolling = rollingChoices[name]?.chosen, let validation = validationByCategory[name] {
                // Causal: each test date's fit reads only targets realised by then — the validation period's, then the test
                // period's own; the fine-tuned model (when kept) reads the rows its static calibration was fitted on.
                let fellBack = result.fellBack == true
                let fitted = PredictiveCalibration.fittedRows(windows: windowRows, heldOutTail: forecasts.heldOutTail).rows
                let earlier: DatedRows = fellBack ? validation : (fitted, fitted.targetDays(store: category))
                variants["pretrained_static_calibrated"] = variants["pretrained_calibrated"]
                variants["finetuned_static_calibrated"] = variants["finetuned_calibrated"]
                variants["pretrained_calibrated"] = Self.calibrated(pre, rolling: rolling, earlier: validation, store: category, category: id, name: name,
                                                                    fallback: pretrainedCalibration, categoryNames: idTable.categories)
                variants["finetuned_calibrated"] = Self.calibrated(fin, rolling: rolling, earlier: earlier, store: category, category: id, name: name,
                                                                   fallback: finetunedCalibration, categoryNames: idTable.categories)
            }
            let (_, origins) = WalkForwardFineTuner.outOfSampleOrigins(category, oosStart: CivilDate.parseISO(result.outOfSampleStart) ?? testStart,
                                                                        trainEnd: cuts.trainEnd[name])
            func addMixture(_ key: String, _ produce: (ForecastCollector) -> ForecastRows?) {
                let mixtureStarted = Date()
                defer { mixtureSeconds += Date().timeIntervalSince(mixtureStarted) }
                guard var rows = produce(ForecastCollector(store: category, normalizer: loaded.normalizer)) else { return }
                precondition(rows.count == pre.count && rows.origins == pre.origins, "ExperimentRunner: \(key) rows differ from the OOS rows")
                for i in rows.targets.indices where !pre.targets[i].isFinite { rows.targets[i] = .nan }
                rows.baselines = pre.baselines
                variants[key] = rows
                guard let calibration = mixtureCalibrations[key] else { return }
                let rolling = mixtureRolling[key]?[name]?.chosen
                if rolling != nil { variants[key + "_static_calibrated"] = calibration.applied(to: rows, categoryNames: idTable.categories) }
                variants[key + "_calibrated"] = Self.calibrated(rows, rolling: rolling, earlier: mixtureValidationByCategory[key]?[name], store: category,
                                                                category: id, name: name, fallback: calibration, categoryNames: idTable.categories)
            }
            addMixture("pretrained_mc") { mcRows($0, origins: origins, limits: category.assets.map(\.count)) }
            let kept = result.windows.filter { $0.guardResult?.kept == true }.count
            let rejected = result.windows.filter { $0.guardResult?.kept == false }.count
            pooledWindows.scored += result.windows.count; pooledWindows.skipped += result.windowsSkippedInsideTraining
            pooledWindows.kept += kept; pooledWindows.rejected += rejected
            var group = Self.group(name: name, variants: variants, testStart: CivilDate.isoString(testStart), trainEnd: result.trainEnd,
                                   windows: (result.windows.count, result.windowsSkippedInsideTraining, kept, rejected),
                                   calibration: (pretrainedCalibration.factors[name], finetunedCalibration.factors[name]))
            facts[name] = ExperimentGroupFacts(calibrationMethodPretrained: pretrainedCalibration.methods?[name],
                                               calibrationMethodFinetuned: finetunedCalibration.methods?[name],
                                               calibrationSelection: pretrainedCalibration.selection?[name],
                                               fineTuneFellBack: result.fellBack, windowsNLLFineTuned: result.windowsNLLFineTuned,
                                               windowsNLLPretrained: result.windowsNLLStart,
                                               tailNLLFineTuned: result.tailNLLFineTuned, tailNLLPretrained: result.tailNLLStart,
                                               rollingCalibration: rollingChoices[name])
            facts[name]?.mixtureRollingCalibration = Self.mixtureFacts(mixtureRolling, category: name)
            facts[name]?.windowsDieboldMariano = result.windowsDieboldMariano
            facts[name]?.tailDieboldMariano = result.tailDieboldMariano
            group.facts = facts[name]
            groups.append(group)
            done.append((name, variants, category, origins, CivilDate.isoString(testStart), result.trainEnd,
                         (result.windows.count, result.windowsSkippedInsideTraining, kept, rejected),
                         (pretrainedCalibration.factors[name], finetunedCalibration.factors[name])))
            try writeCharts(name: name, variants: variants, result: result)
            progress(String(format: "experiment: %@ test %d targets, NLL pre %.4f → fine-tuned %.4f (calibrated), GARCH-t %.4f, cov50 %.3f cov90 %.3f",
                            name, group.targets, group.scores["pretrained_calibrated"]?.nll ?? .nan, group.scores["finetuned_calibrated"]?.nll ?? .nan,
                            group.scores["garch_t"]?.nll ?? .nan, group.scores["finetuned_calibrated"]?.coverage50 ?? .nan,
                            group.scores["finetuned_calibrated"]?.coverage90 ?? .nan))
            if let mc = group.scores["pretrained_mc_calibrated"] {
                progress(String(format: "experiment: %@ MC dropout (S = %d, calibrated): NLL %.4f, cov50 %.3f cov90 %.3f", name, mixture.samples, mc.nll, mc.coverage50, mc.coverage90))
            }
        }
        var report = try writeReport(groups: groups, done: done, pooledWindows: pooledWindows, pretrainSteps: loaded.step, pretrainSeconds: pretrainSeconds,
                                     mixture: mixture.isEnabled ? ExperimentMixture(members: 1, samples: mixture.samples, ensemblePretrainSeconds: 0,
                                                                                    mixtureEvaluationSeconds: mixtureSeconds) : nil, started: started)
        guard mixture.members > 1 else { return report }

        // 6. The deep ensemble: members 1…K−1 (member 0 is the model above), each a pre-training run with seed + k; the
        // mixture of K members × S passes, calibrated on the validation periods, scored on the same test targets.
        var ensembleModels = [loaded.model], ensembleMembers: [TrainedModel] = []
        var ensembleSeconds = 0.0
        for k in 1..<mixture.members {
            let seed = EnsembleManifest.memberSeed(base: config.training.seed, index: k)
            let memberFiles = TrainingCheckpoint(directory: checkpointDirectory.appendingPathComponent(EnsembleManifest.memberDirectoryName(k)))
            if reusePretrained && memberFiles.exists {
                progress("experiment: reusing ensemble member \(k) (\(memberFiles.weightsURL.path))")
            } else {
                let elapsed = Date().timeIntervalSince(started)
                progress(String(format: "experiment [ensemble %d/%d]: pre-training member %d (seed %llu; elapsed %.0f s, eta %.0f s)", k, mixture.members - 1, k, seed,
                                elapsed, (pretrainSeconds > 0 ? pretrainSeconds : 900) * Double(mixture.members - k)))
                var member = config.pretraining
                member.training.seed = seed
                let summary = try Pretrainer.run(store: store, idTable: idTable, options: PretrainingOptions(
                    config: member, stopStep: pretrainStopStep, checkpointDirectory: memberFiles.weightsURL.deletingLastPathComponent(),
                    runDirectory: runDirectory.appendingPathComponent("pretrain_\(EnsembleManifest.memberDirectoryName(k))"),
                    resume: false, isTerminal: false, output: progress))
                ensembleSeconds += summary.seconds
            }
            let trained = try TrainedModel.load(memberFiles.weightsURL)
            progress("experiment: ensemble member \(k): step \(trained.step), content hash \(trained.contentHash ?? "none") (verified on load)")
            ensembleMembers.append(trained)
            ensembleModels.append(trained.model)
        }
        let ensembleStarted = Date()
        progress("experiment [ensemble]: scoring \(ensembleModels.count) members × \(mixture.samples) passes (validation, then test)")
        var ensembleValidation = ForecastRows(horizon: h)
        var ensembleValidationByCategory: [String: DatedRows] = [:]
        for plan in validationPlan {
            var rows = plan.collector.modelRows(ensembleModels, samples: mixture.samples, seed: config.training.seed, origins: plan.origins, limits: plan.limits)
            rows.maskCommonTargets()
            ensembleValidation.append(rows)
            ensembleValidationByCategory[plan.name] = (rows, rows.targetDays(store: plan.collector.store))
        }
        var ensembleCalibration = PredictiveCalibration.fit(ensembleValidation, categoryNames: idTable.categories,
                                                            fittedOn: "validation period of each category", method: method)
        // The ensemble's own rolling recalibration (chosen on its validation rows), stored in the manifest's calibration.
        let ensembleRolling = chooseRolling(ensembleValidationByCategory, idTable: idTable, label: " (ensemble)")
        mixtureRolling["ensemble"] = ensembleRolling
        if !ensembleRolling.compactMapValues(\.chosen).isEmpty { ensembleCalibration.rolling = ensembleRolling.compactMapValues(\.chosen) }
        mixtureCalibrations["ensemble"] = ensembleCalibration
        groups = []
        for index in done.indices {
            let entry = done[index]
            let pre = entry.variants["pretrained"]!
            var rows = ForecastCollector(store: entry.category, normalizer: loaded.normalizer)
                .modelRows(ensembleModels, samples: mixture.samples, seed: config.training.seed, origins: entry.origins, limits: entry.category.assets.map(\.count))
            precondition(rows.count == pre.count && rows.origins == pre.origins, "ExperimentRunner: ensemble rows differ from the OOS rows")
            for i in rows.targets.indices where !pre.targets[i].isFinite { rows.targets[i] = .nan }
            rows.baselines = pre.baselines
            done[index].variants["ensemble"] = rows
            let rolling = ensembleRolling[entry.name]?.chosen
            if rolling != nil { done[index].variants["ensemble_static_calibrated"] = ensembleCalibration.applied(to: rows, categoryNames: idTable.categories) }
            done[index].variants["ensemble_calibrated"] = Self.calibrated(rows, rolling: rolling, earlier: ensembleValidationByCategory[entry.name], store: entry.category,
                                                                          category: idTable.categoryID(of: entry.name)!, name: entry.name,
                                                                          fallback: ensembleCalibration, categoryNames: idTable.categories)
            var group = Self.group(name: entry.name, variants: done[index].variants, testStart: entry.testStart, trainEnd: entry.trainEnd,
                                   windows: entry.windows, calibration: entry.calibration)
            facts[entry.name]?.mixtureRollingCalibration = Self.mixtureFacts(mixtureRolling, category: entry.name)
            group.facts = facts[entry.name]
            groups.append(group)
            if let e = group.scores["ensemble_calibrated"] {
                progress(String(format: "experiment: %@ ensemble (K = %d × S = %d, calibrated): NLL %.4f, cov50 %.3f cov90 %.3f", entry.name,
                                ensembleModels.count, mixture.samples, e.nll, e.coverage50, e.coverage90))
            }
        }
        mixtureSeconds += Date().timeIntervalSince(ensembleStarted)
        // The set as one checkpoint: member 0 = pretrained.safetensors (as calibrated above), with the mixture's calibration.
        let member0 = try ModelCheckpoint.read(files.weightsURL)
        var manifest = EnsembleManifest(run: config.training.run, plannedMembers: ensembleModels.count, seed: config.training.seed)
        manifest.members = [.init(index: 0, seed: config.training.seed, file: files.weightsURL.lastPathComponent,
                                  contentHash: member0.contentHash ?? "", step: member0.step ?? 0)]
        for (k, member) in ensembleMembers.enumerated() {
            manifest.members.append(.init(index: k + 1, seed: EnsembleManifest.memberSeed(base: config.training.seed, index: k + 1),
                                          file: "\(EnsembleManifest.memberDirectoryName(k + 1))/\(member.url.lastPathComponent)",
                                          contentHash: member.contentHash ?? "", step: member.step))
        }
        if config.calibrate { manifest.calibration = ensembleCalibration }
        try manifest.write(to: checkpointDirectory.appendingPathComponent(EnsembleManifest.fileName))
        report = try writeReport(groups: groups, done: done, pooledWindows: pooledWindows, pretrainSteps: loaded.step, pretrainSeconds: pretrainSeconds,
                                 mixture: ExperimentMixture(members: ensembleModels.count, samples: mixture.samples, ensemblePretrainSeconds: ensembleSeconds,
                                                            mixtureEvaluationSeconds: mixtureSeconds), started: started)
        return report
    }

    /// One category's validation period as `ForecastCollector` inputs: the category's assets (≥ T + H + 30 bars), the
    /// origins from its validation start (never before the checkpoint's first scorable origin) and the limits at its
    /// test start — no target on or after the test start is ever read, so bars from the test start on cannot change
    /// anything fitted on these rows (`ExperimentCalibrationTests` poisons them).
    public struct ValidationPlan {
        public var name: String
        public var collector: ForecastCollector
        public var origins: [Range<Int>], limits: [Int]

        /// `model`'s rows on the validation period (targets some forecaster cannot score masked).
        public func rows(_ model: MarketGPT) -> ForecastRows {
            var rows = collector.modelRows(model, origins: origins, limits: limits)
            rows.maskCommonTargets()
            return rows
        }
    }

    /// The validation plans of `names` (categories without validation or test start are left out).
    public static func validationPlan(store: FeatureStore, normalizer: FeatureNormalizer, cuts: CheckpointCuts, idTable: EmbeddingIDTable,
                                      names: [String], contextLength t: Int, horizon h: Int) -> [ValidationPlan] {
        var plans: [ValidationPlan] = []
        for name in names {
            guard let id = idTable.categoryID(of: name), let start = cuts.validationStart[name], let end = cuts.testStart[name] else { continue }
            let category = FeatureStore(assets: store.assets.filter { $0.categoryID == id && $0.count >= t + h + 30 }, categoryWeights: store.categoryWeights, featureSet: store.featureSet)
            let collector = ForecastCollector(store: category, normalizer: normalizer)
            let limits = category.assets.map { $0.firstIndex(onOrAfter: end) }
            let origins = zip(category.assets, limits).map { asset, limit -> Range<Int> in
                let lo = max(asset.firstIndex(onOrAfter: start) - 1, cuts.firstScorableOrigin(asset.dates, category: name), 0)
                return lo..<max(lo, limit - 1)          // empty for an asset without bars in the validation period
            }
            plans.append(ValidationPlan(name: name, collector: collector, origins: origins, limits: limits))
        }
        return plans
    }

    /// The pre-trained model's calibration fitted on every category's validation period (what `run` stores in the checkpoint).
    public static func validationCalibration(_ loaded: TrainedModel, store: FeatureStore, idTable: EmbeddingIDTable, names: [String],
                                             method: CalibrationMethod, minimumTargets: Int = 200) -> PredictiveCalibration {
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: idTable.categories)
        var rows = ForecastRows(horizon: loaded.model.config.horizon)
        for plan in validationPlan(store: store, normalizer: loaded.normalizer, cuts: cuts, idTable: idTable, names: names,
                                   contextLength: loaded.model.config.contextLength, horizon: loaded.model.config.horizon) {
            rows.append(plan.rows(loaded.model))
        }
        return PredictiveCalibration.fit(rows, categoryNames: idTable.categories, fittedOn: "validation period of each category",
                                         minimumTargets: minimumTargets, method: method)
    }

    /// Pools the groups, checks the targets and writes report.json + report.md.
    private func writeReport(groups: [ExperimentGroup], done: [(name: String, variants: [String: ForecastRows], category: FeatureStore, origins: [Range<Int>],
                                                                testStart: String, trainEnd: String?, windows: (Int, Int, Int, Int), calibration: ([Double]?, [Double]?))],
                             pooledWindows: (scored: Int, skipped: Int, kept: Int, rejected: Int), pretrainSteps: Int, pretrainSeconds: Double,
                             mixture: ExperimentMixture?, started: Date) throws -> ExperimentReport {
        var pooled: [String: ForecastRows] = [:]
        for entry in done { for (key, rows) in entry.variants { pooled[key, default: ForecastRows(horizon: rows.horizon)].append(rows) } }
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
        var report = ExperimentReport(run: config.training.run, seed: config.training.seed, pretrainSteps: pretrainSteps,
                                      pretrainSeconds: pretrainSeconds, categories: groups, pooled: pooledGroup, targets: targets,
                                      seconds: Date().timeIntervalSince(started))
        report.mixture = mixture
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
        var uncertainty: [String: VarianceParts] = [:]
        var coverageTests: [String: CoverageTest] = [:]
        var targets = 0
        var dayIDs: [Int] = []
        for key in variants.keys.sorted() {
            let rows = variants[key]!
            let evaluation = ForecastEvaluation(rows)
            scores[key] = evaluation.scores["model"]
            c50[key] = evaluation.perHorizon["model"]?.map(\.coverage50); c90[key] = evaluation.perHorizon["model"]?.map(\.coverage90)
            dm[key] = evaluation.dieboldMariano["garch_t"]
            coverageTests[key] = evaluation.coverageTests?["model"]
            if rows.model.members > 1 { uncertainty[key] = rows.model.varianceParts(targets: rows.targets) }
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
                               dmFinetunedVersusPretrained: versus, calibrationPretrained: calibration.0, calibrationFinetuned: calibration.1,
                               uncertainty: uncertainty.isEmpty ? nil : uncertainty, coverageTests: coverageTests.isEmpty ? nil : coverageTests)
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
