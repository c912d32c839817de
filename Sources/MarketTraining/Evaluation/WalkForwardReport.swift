// WalkForwardReport: the files and table of a fine-tuning run — walkforward_<K>.csv rows, report.json, the printed table.
import Foundation
import MarketData

/// Everything a `marketgpt finetune` run reports (written as `runs/<run>/report.json`).
public struct WalkForwardReport: Codable, Sendable {
    public var run: String
    public var checkpoint: String
    public var options: WalkForwardOptions
    public var categories: [CategoryWalkForwardResult]
    /// All categories' out-of-sample targets pooled: pretrained and fine-tuned model vs the baselines.
    public var pooledOutOfSamplePretrained: ForecastEvaluation?
    public var pooledOutOfSampleFineTuned: ForecastEvaluation?
    public var seconds: Double
    /// Tickers of the universe the checkpoint had not seen: each got a new, zero-initialised asset-embedding row
    /// (its zero-shot forecast until fine-tuned) and a normaliser fitted on its bars up to its category's train_end.
    public var newAssets: [String] = []

    public init(run: String, checkpoint: String, options: WalkForwardOptions, categories: [CategoryWalkForwardResult],
                pooledOutOfSamplePretrained: ForecastEvaluation?, pooledOutOfSampleFineTuned: ForecastEvaluation?, seconds: Double) {
        self.run = run
        self.checkpoint = checkpoint
        self.options = options
        self.categories = categories
        self.pooledOutOfSamplePretrained = pooledOutOfSamplePretrained
        self.pooledOutOfSampleFineTuned = pooledOutOfSampleFineTuned
        self.seconds = seconds
    }

    /// Pretty, key-sorted JSON (NaN written as null).
    public func jsonData() throws -> Data { try ReportJSON.encode(self) }

    /// `walkforward_<K>.csv`: one row per window — `window_start,window_end,n_targets,fine_tune_steps,
    /// fine_tune_loss`, then `<metric>_<forecaster>` for every metric and forecaster, then
    /// `dm_stat_<baseline>,dm_p_<baseline>` (model NLL vs that baseline).
    public static func windowCSV(_ result: CategoryWalkForwardResult) -> String {
        let forecasters = ["model"] + VarianceBaseline.allCases.map(\.rawValue)
        let metrics = ["nll", "crps", "coverage50", "coverage90", "directional_accuracy", "rank_ic", "rmse"]
        var header = ["window_start", "window_end", "n_targets", "fine_tune_steps", "fine_tune_loss"]
        for metric in metrics { for name in forecasters { header.append("\(metric)_\(name)") } }
        for baseline in VarianceBaseline.allCases { header += ["dm_stat_\(baseline.rawValue)", "dm_p_\(baseline.rawValue)"] }
        var lines = [header.joined(separator: ",")]
        for window in result.windows {
            var fields = [window.start, window.end, String(window.evaluation.targets), String(window.fineTuneSteps), number(window.fineTuneLoss)]
            for metric in metrics {
                for name in forecasters {
                    fields.append(number(window.evaluation.scores[name]?.columns.first { $0.name == metric }?.value))
                }
            }
            for baseline in VarianceBaseline.allCases {
                let test = window.evaluation.dieboldMariano[baseline.rawValue]
                fields += [number(test?.statistic), number(test?.pValue)]
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The printed table: per category (and pooled), OOS NLL / CRPS / coverage90 / directional accuracy
    /// of the pretrained and fine-tuned model and each baseline, with the DM statistic of the fine-tuned
    /// model's NLL against GARCH.
    public var table: String {
        var rows: [(String, ForecastEvaluation, ForecastEvaluation)] = categories.map { ($0.category, $0.outOfSamplePretrained, $0.outOfSampleFineTuned) }
        if let a = pooledOutOfSamplePretrained, let b = pooledOutOfSampleFineTuned, categories.count > 1 { rows.append(("pooled", a, b)) }
        return ForecastTable.render(rows.map { row in
            (row.0, ["pretrained": row.1.scores["model"], "finetuned": row.2.scores["model"], "rw": row.2.scores["rw"],
                     "ewma": row.2.scores["ewma"], "garch": row.2.scores["garch"], "garch_t": row.2.scores["garch_t"]], row.2.targets, row.2.dieboldMariano)
        }, forecasters: ["pretrained", "finetuned", "rw", "ewma", "garch", "garch_t"], title: "out-of-sample")
    }

    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return String(format: "%.6g", x)
    }
}

/// A fixed-width text table of score cards (one block of lines per group).
public enum ForecastTable {
    /// `groups`: (label, score card per forecaster, scored targets, DM tests of the model vs each baseline).
    public static func render(_ groups: [(label: String, scores: [String: ForecastScoreCard?], targets: Int, tests: [String: DieboldMarianoResult])],
                              forecasters: [String], title: String) -> String {
        func cell(_ x: Double?, _ format: String) -> String {
            guard let x, x.isFinite else { return "-" }
            return String(format: format, x)
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var lines = ["\(title): NLL (lower is better) | CRPS×100 | coverage 90% (nominal 0.90) | coverage 50% | directional accuracy | DM vs baseline (stat, p; < 0: model better)"]
        lines.append(pad("group", 16) + pad("targets", 9) + pad("forecaster", 12) + pad("nll", 9) + pad("crps×100", 10)
                     + pad("cov90", 8) + pad("cov50", 8) + pad("dir.acc", 9) + pad("rank_ic", 9) + "  dm vs model")
        for group in groups {
            for (k, name) in forecasters.enumerated() {
                guard let card = group.scores[name] ?? nil else { continue }
                let test = group.tests[name].map { "\(cell($0.statistic, "%+.2f")) (p \(cell($0.pValue, "%.3f")))" } ?? ""
                lines.append(pad(k == 0 ? group.label : "", 16) + pad(k == 0 ? String(group.targets) : "", 9) + pad(name, 12)
                             + pad(cell(card.nll, "%.4f"), 9) + pad(cell(card.crps * 100, "%.4f"), 10)
                             + pad(cell(card.coverage90, "%.3f"), 8) + pad(cell(card.coverage50, "%.3f"), 8)
                             + pad(cell(card.directionalAccuracy, "%.3f"), 9) + pad(cell(card.rankIC, "%.4f"), 9) + "  " + test)
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// JSON encoding of reports: sorted keys, pretty, non-finite numbers as null.
public enum ReportJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var text = String(decoding: try encoder.encode(value), as: UTF8.self)
        for token in ["\"nan\"", "\"inf\"", "\"-inf\""] { text = text.replacingOccurrences(of: token, with: "null") }
        return Data(text.utf8)
    }
}
