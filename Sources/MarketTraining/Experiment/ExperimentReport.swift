// ExperimentReport: the numbers of one experiment run (report.json) and its readable Markdown report.
import Foundation
import MarketSupport
import MarketData
import MarketModel

/// One group (a category or everything pooled) of the experiment's test period: every forecaster on the
/// same targets, Diebold–Mariano tests of each model variant against GARCH-t, and fine-tuned vs pre-trained.
public struct ExperimentGroup: Codable, Sendable {
    public var name: String
    /// Scored targets (the same for every forecaster) and the test period's first day.
    public var targets: Int
    public var testStart: String?
    public var trainEnd: String?
    /// Walk-forward windows scored, skipped (inside training), and updates kept / rejected by the guard.
    public var windowsScored: Int, windowsSkipped: Int, updatesKept: Int, updatesRejected: Int
    /// Score card per forecaster: `pretrained`, `pretrained_calibrated`, `finetuned`, `finetuned_calibrated`,
    /// `rw`, `ewma`, `garch`, `garch_t`.
    public var scores: [String: ForecastScoreCard]
    /// Coverage per horizon step (50 %, 90 %) per forecaster.
    public var coverage50PerHorizon: [String: [Double]], coverage90PerHorizon: [String: [Double]]
    /// DM of each model variant's NLL against GARCH-t (negative: the model is better).
    public var dmVersusGarchT: [String: DieboldMarianoResult]
    /// DM of the fine-tuned (calibrated) NLL against the pre-trained (calibrated) one (negative: fine-tuning helped).
    public var dmFinetunedVersusPretrained: DieboldMarianoResult?
    /// Scale factors per step of the calibrations (pre-trained: fitted on the validation period; fine-tuned:
    /// on the walk-forward windows' out-of-sample rows).
    public var calibrationPretrained: [Double]?, calibrationFinetuned: [Double]?
    /// Per mixture variant (`pretrained_mc`, `ensemble`, their `_calibrated`): the mean predictive variance split into
    /// aleatoric, within-model (MC dropout) and between-model (ensemble) parts. Nil without mixtures.
    public var uncertainty: [String: VarianceParts]?
    /// The recalibration chosen and the fine-tuning fall-back (nil for the pooled group).
    public var facts: ExperimentGroupFacts?
    /// Per model variant: HAC tests of its coverage against nominal (is a miss beyond sampling noise?). Nil in reports
    /// written before it existed.
    public var coverageTests: [String: CoverageTest]?
}

/// What was chosen for one category on its validation period: the recalibration method (and how both methods did on
/// validation rows held out from their fit) and whether fine-tuning fell back to the pre-trained weights.
public struct ExperimentGroupFacts: Codable, Sendable {
    /// `variance_scale` or `quantile_map`, for the pre-trained and the fine-tuned calibration.
    public var calibrationMethodPretrained: String?, calibrationMethodFinetuned: String?
    /// The pre-trained model's variance scale vs quantile map on held-out validation rows (what chose the method).
    public var calibrationSelection: CalibrationComparison?
    /// True: the fine-tuned path scored a worse NLL on the walk-forward windows than the pre-trained model, or the final
    /// weights on the last update's held-out tail, so the pre-trained weights (and calibration) were kept as the fine-tuned model.
    public var fineTuneFellBack: Bool?
    /// Mean NLL on the scored walk-forward windows: the fine-tuned path and the pre-trained model.
    public var windowsNLLFineTuned: Double?, windowsNLLPretrained: Double?
    /// Mean NLL on the last update's held-out tail: the final fine-tuned weights and the pre-trained model.
    public var tailNLLFineTuned: Double?, tailNLLPretrained: Double?
    /// The rolling recalibration chosen on validation (nil: off or too few validation targets).
    public var rollingCalibration: RollingChoice?
    /// The rolling recalibration of each mixture (`pretrained_mc`, `ensemble`), chosen on that mixture's own validation rows.
    public var mixtureRollingCalibration: [String: RollingChoice]?
    /// Diebold–Mariano tests of the fall-back gate's evidence (fine-tuned vs pre-trained NLL; negative: fine-tuned better):
    /// on the scored windows and on the last update's held-out tail (`walk_forward.fall_back_significance`).
    public var windowsDieboldMariano: DieboldMarianoResult?, tailDieboldMariano: DieboldMarianoResult?

    public init(calibrationMethodPretrained: String?, calibrationMethodFinetuned: String?, calibrationSelection: CalibrationComparison?,
                fineTuneFellBack: Bool?, windowsNLLFineTuned: Double?, windowsNLLPretrained: Double?,
                tailNLLFineTuned: Double? = nil, tailNLLPretrained: Double? = nil, rollingCalibration: RollingChoice? = nil) {
        self.calibrationMethodPretrained = calibrationMethodPretrained; self.calibrationMethodFinetuned = calibrationMethodFinetuned
        self.calibrationSelection = calibrationSelection; self.fineTuneFellBack = fineTuneFellBack
        self.windowsNLLFineTuned = windowsNLLFineTuned; self.windowsNLLPretrained = windowsNLLPretrained
        self.tailNLLFineTuned = tailNLLFineTuned; self.tailNLLPretrained = tailNLLPretrained
        self.rollingCalibration = rollingCalibration
    }
}

/// What the MC-dropout / deep-ensemble comparison cost (`ensemble:` in the config).
public struct ExperimentMixture: Codable, Sendable {
    /// K members (incl. the pre-trained model) and S MC-dropout passes per member.
    public var members: Int
    public var samples: Int
    /// Seconds pre-training members 1…K−1 (0 when reused), and scoring the mixtures (validation + test).
    public var ensemblePretrainSeconds: Double
    public var mixtureEvaluationSeconds: Double
}

/// Whether the issue's targets were met, per group.
public struct ExperimentTargets: Codable, Sendable {
    /// Categories whose calibrated fine-tuned model has 50 % and 90 % coverage within ±2 pp.
    public var coverageWithin2pp: [String]
    /// Categories where the calibrated fine-tuned model beats GARCH-t in NLL with DM p < 0.05.
    public var beatsGarchT: [String]
    /// Categories where the calibrated fine-tuned NLL ≤ the calibrated pre-trained NLL.
    public var finetunedNoWorse: [String]
    public var categories: Int
}

/// `runs/<run>/report.json`.
public struct ExperimentReport: Codable, Sendable {
    public var run: String
    public var seed: UInt64
    public var pretrainSteps: Int
    public var pretrainSeconds: Double
    public var categories: [ExperimentGroup]
    public var pooled: ExperimentGroup?
    public var targets: ExperimentTargets
    public var seconds: Double
    /// The MC-dropout / ensemble comparison's size and cost (nil without `ensemble:`).
    public var mixture: ExperimentMixture?

    /// Pretty, key-sorted JSON (NaN as null).
    public func jsonData() throws -> Data { try ReportJSON.encode(self) }

    static let forecasters = ["pretrained", "pretrained_calibrated", "pretrained_variance_scale", "pretrained_quantile_map", "pretrained_mc", "pretrained_mc_calibrated", "pretrained_mc_static_calibrated",
                              "ensemble", "ensemble_calibrated", "ensemble_static_calibrated",
                              "finetuned", "finetuned_calibrated", "pretrained_static_calibrated", "finetuned_static_calibrated", "rw", "ewma", "garch", "garch_t"]

    /// The categories outside ±2 pp with the HAC test of each missed level (`CoverageTest`: is the miss beyond sampling
    /// noise?), as a suffix of the targets line; empty when none missed.
    func coverageMisses(_ f: (Double?, String) -> String) -> String {
        let missed = categories.filter { !targets.coverageWithin2pp.contains($0.name) }
        guard !missed.isEmpty else { return "" }
        return "; outside: " + missed.map { group in
            guard let card = group.scores["finetuned_calibrated"] else { return group.name }
            let test = group.coverageTests?["finetuned_calibrated"]
            let levels = [("cov50", card.coverage50, 0.5, test?.coverage50), ("cov90", card.coverage90, 0.9, test?.coverage90)]
                .filter { abs($0.1 - $0.2) > 0.02 }
                .map { label, value, _, t in "\(label) \(f(value, "%.3f")) (HAC p \(f(t?.pValue, "%.3f")))" }
            return "\(group.name) " + levels.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// The readable report: protocol, the table per category, targets met or not, and the SVG charts.
    public func markdown() -> String {
        func f(_ x: Double?, _ format: String = "%.4f") -> String { x.map { $0.isFinite ? String(format: format, $0) : "–" } ?? "–" }
        var lines = ["# Experiment `\(run)`", "",
                     "Seed \(seed). Pre-training: \(pretrainSteps) steps in \(f(pretrainSeconds, "%.0f")) s; whole run \(f(seconds, "%.0f")) s.",
                     "Protocol per category: pre-train on bars before the category's validation start (`train_end` recorded);",
                     "walk forward over the validation period (score each window, then fine-tune on it, guarded);",
                     "score every forecaster on the category's test period (never trained on, never used for any choice).",
                     "Calibration per category and horizon step: a variance scale (minimum NLL) or a quantile map of the PIT, the",
                     "one with the lower NLL on validation rows held out from its fit (two halves by date) — pre-trained on the",
                     "validation period, fine-tuned on the walk-forward windows' out-of-sample rows. `pretrained_variance_scale` and",
                     "`pretrained_quantile_map` show both methods on the test period for comparison only (never used for the choice).",
                     "Fine-tuning returns the pre-trained weights and calibration bit for bit unless the config's guard keeps it",
                     "(`fall_back_unless_windows_improve`; with `fall_back_significance` α, only a gain with DM p < α on both the walk-forward",
                     "windows and the last update's held-out tail is kept) — each category's line below says what happened."]
        if let m = mixture {
            lines += ["Uncertainty methods: `pretrained_mc` = the pre-trained model's MC-dropout mixture (S = \(m.samples) passes); `ensemble` =",
                      "\(m.members) pre-trained members (seeds seed…seed+\(m.members - 1)) × \(m.samples) passes as one mixture; both calibrated on the",
                      "validation period (with `rolling_calibration`, `*_calibrated` is each mixture's own rolling recalibration, chosen on its validation rows,",
                      "and `*_static_calibrated` the static one). Cost: members 2…\(m.members) pre-trained in \(f(m.ensemblePretrainSeconds, "%.0f")) s, mixtures scored in \(f(m.mixtureEvaluationSeconds, "%.0f")) s."]
        }
        lines += ["",
                     "## Targets", "",
                     "- coverage (50 % and 90 %) within ±2 pp: \(targets.coverageWithin2pp.count)/\(targets.categories) (\(targets.coverageWithin2pp.joined(separator: ", ")))"
                        + coverageMisses(f),
                     "- NLL better than GARCH-t with DM p < 0.05: \(targets.beatsGarchT.count)/\(targets.categories) (\(targets.beatsGarchT.joined(separator: ", "))) — target ≥ 4/6",
                     "- fine-tuned no worse than pre-trained: \(targets.finetunedNoWorse.count)/\(targets.categories) (\(targets.finetunedNoWorse.joined(separator: ", ")))", ""]
        for group in categories + (pooled.map { [$0] } ?? []) {
            lines += ["## \(group.name)", "",
                      "\(group.targets) targets from \(group.testStart ?? "–") (train_end \(group.trainEnd ?? "–")); walk-forward windows scored \(group.windowsScored), skipped inside training \(group.windowsSkipped); updates kept \(group.updatesKept), rejected \(group.updatesRejected).", "",
                      "| forecaster | NLL | CRPS×100 | cov50 | cov90 | DM vs GARCH-t (p) |", "|---|---|---|---|---|---|"]
            for name in Self.forecasters {
                guard let card = group.scores[name] else { continue }
                let dm = group.dmVersusGarchT[name].map { "\(f($0.statistic, "%+.2f")) (\(f($0.pValue, "%.3f")))" } ?? ""
                lines.append("| \(name) | \(f(card.nll)) | \(f(card.crps * 100)) | \(f(card.coverage50, "%.3f")) | \(f(card.coverage90, "%.3f")) | \(dm) |")
            }
            if let test = group.coverageTests?["finetuned_calibrated"] {
                lines.append("")
                lines.append("Coverage of finetuned_calibrated vs nominal (day-weighted, HAC test over days): "
                             + [("cov50", test.coverage50, 0.5), ("cov90", test.coverage90, 0.9)].map { label, t, level in
                                 "\(label) \(f(level + t.meanDifference, "%.3f")) (z \(f(t.statistic, "%+.2f")), p \(f(t.pValue, "%.3f")))"
                             }.joined(separator: ", ") + ".")
            }
            if let dm = group.dmFinetunedVersusPretrained {
                lines.append("")
                lines.append(dm.statistic.isNaN && dm.meanDifference == 0 && dm.count >= 2 ? "Fine-tuned vs pre-trained (calibrated): the same losses on every target (no test)."
                                                : "Fine-tuned vs pre-trained (calibrated): DM \(f(dm.statistic, "%+.2f")), p \(f(dm.pValue, "%.3f")).")
            }
            for (key, u) in (group.uncertainty ?? [:]).sorted(by: { $0.key < $1.key }) where !key.hasSuffix("_calibrated") {
                lines.append("Variance parts of `\(key)` (RMS sd ×100): aleatoric \(f(100 * u.aleatoric.squareRoot())), within-model MC \(f(100 * u.withinModel.squareRoot())), between-model \(f(100 * u.betweenModels.squareRoot())).")
            }
            if let facts = group.facts {
                if let c = facts.calibrationSelection {
                    lines.append("Calibration chosen on validation: \(facts.calibrationMethodPretrained ?? "–") (held-out validation NLL / cov50 / cov90: variance scale \(f(c.varianceScale.nll)) / \(f(c.varianceScale.coverage50, "%.3f")) / \(f(c.varianceScale.coverage90, "%.3f")), quantile map \(f(c.quantileMap.nll)) / \(f(c.quantileMap.coverage50, "%.3f")) / \(f(c.quantileMap.coverage90, "%.3f")); \(c.varianceScale.targets) targets); fine-tuned: \(facts.calibrationMethodFinetuned ?? "–").")
                }
                if let r = facts.rollingCalibration {
                    let shown = [RollingChoice.staticKey] + (r.chosen.map { [$0.name] } ?? [])
                    lines.append("Rolling recalibration chosen on validation (later half, \(r.targets) targets): \(r.chosen?.name ?? RollingChoice.staticKey) (NLL / cov50 / cov90: "
                                 + shown.map { key in
                                     "\(key) \(f(key == RollingChoice.staticKey ? r.staticNLL : r.candidates[key])) / \(f(r.coverage50?[key], "%.3f")) / \(f(r.coverage90?[key], "%.3f"))"
                                 }.joined(separator: ", ") + ").")
                }
                if let fellBack = facts.fineTuneFellBack {
                    lines.append("Walk-forward windows NLL: fine-tuned path \(f(facts.windowsNLLFineTuned)), pre-trained \(f(facts.windowsNLLPretrained)); "
                                 + "last update's held-out tail: fine-tuned \(f(facts.tailNLLFineTuned)), pre-trained \(f(facts.tailNLLPretrained)) "
                                 + [("windows", facts.windowsDieboldMariano), ("tail", facts.tailDieboldMariano)].compactMap { name, dm in
                                     dm.map { "(\(name) DM \(f($0.statistic, "%+.2f")), p \(f($0.pValue, "%.3f"))) " } }.joined()
                                 + "→ \(fellBack ? "fell back to the pre-trained weights and calibration" : "fine-tuned weights kept").")
                }
            }
            if let c = group.calibrationPretrained { lines.append("Calibration factors (pre-trained, per step): \(c.map { f($0, "%.3f") }.joined(separator: ", ")).") }
            if let c = group.calibrationFinetuned { lines.append("Calibration factors (fine-tuned, per step): \(c.map { f($0, "%.3f") }.joined(separator: ", ")).") }
            if group.name != "pooled" {
                lines += ["", "![coverage per horizon](coverage_\(group.name).svg) ![PIT before/after calibration](pit_\(group.name).svg) ![NLL per window](nll_windows_\(group.name).svg)"]
            }
            lines.append("")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
