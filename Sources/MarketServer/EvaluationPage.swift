// Dashboard page of a run's evaluation: score table vs the baselines, interval coverage per horizon, PIT histogram.
import Foundation
import MarketSupport
import MarketTraining

enum EvaluationPage {
    static func render(_ state: ServerState, name: String) throws -> String {
        let folder = try RunFiles.runFolder(state: state, name: name)
        guard let file = RunFiles.evaluationFile(folder), let report = JSONBody.readFile(file) else {
            throw APIError.notFound("run '\(name)' has no evaluation report (report.json or evaluation_*.json)")
        }
        var body = "<p><a href=\"/runs/\(DashboardPage.escape(name))\">← run \(DashboardPage.escape(name))</a> · \(DashboardPage.escape(file.lastPathComponent))</p>"
        let evaluations = find(report, path: "")
        if evaluations.isEmpty { body += "<div class=\"card\"><p class=\"muted\">The report holds no score tables.</p></div>" }
        for (index, (label, evaluation)) in evaluations.prefix(12).enumerated() {
            body += "<div class=\"card\"><h2>\(DashboardPage.escape(label))</h2>" + table(evaluation, id: "scores-\(index)")
            if let charts = charts(evaluation, label: label) { body += charts }
            body += "</div>"
        }
        return DashboardPage.render(title: "Evaluation of \(name)", active: "/runs", body: body)
    }

    /// Every object with a `scores` dictionary (a `ForecastEvaluation`), labelled by its key path.
    static func find(_ value: Any, path: String) -> [(String, [String: Any])] {
        if let object = value as? [String: Any] {
            if object["scores"] is [String: Any] { return [(path.isEmpty ? "pooled" : path, object)] }
            var found: [(String, [String: Any])] = []
            let label = (object["category"] as? String).map { path.isEmpty ? $0 : "\(path) \($0)" }
            for key in object.keys.sorted() {
                found += find(object[key]!, path: [label ?? path, key].filter { !$0.isEmpty }.joined(separator: " · "))
            }
            return found
        }
        if let array = value as? [Any] {
            return array.enumerated().flatMap { index, element in find(element, path: path) }
        }
        return []
    }

    /// Forecasters as rows, scalar score fields as columns (model first).
    static func table(_ evaluation: [String: Any], id: String) -> String {
        guard let scores = evaluation["scores"] as? [String: [String: Any]] else { return "" }
        let names = scores.keys.sorted { a, b in (a == "model" ? 0 : 1, a) < (b == "model" ? 0 : 1, b) }
        let columns = Array(Set(scores.values.flatMap { card in card.keys.filter { card[$0] is NSNumber } })).sorted()
        var html = "<table class=\"sortable\" id=\"\(id)\"><thead><tr><th>forecaster</th>"
        html += columns.map { "<th>\(DashboardPage.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for name in names {
            html += "<tr><td>\(DashboardPage.escape(name))</td>"
            for column in columns {
                html += "<td class=\"num\">\(DashboardPage.escape(RunPages.format(scores[name]?[column])))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// Coverage per horizon (all forecasters) and the PIT histogram of the first forecaster (the model).
    static func charts(_ evaluation: [String: Any], label: String) -> String? {
        guard let perHorizon = evaluation["perHorizon"] as? [String: [[String: Any]]], !perHorizon.isEmpty else { return nil }
        let names = perHorizon.keys.sorted { a, b in (a == "model" ? 0 : 1, a) < (b == "model" ? 0 : 1, b) }
        func series(_ key: String) -> [PlotSeries] {
            names.map { name in PlotSeries(name: name, values: perHorizon[name]!.map { ($0[key] as? NSNumber)?.doubleValue ?? .nan }) }
        }
        var html = "<div class=\"chart coverage\">" + EvaluationPlots.coveragePerHorizon(coverage50: series("coverage50"), coverage90: series("coverage90"),
                                                                                           title: "Interval coverage per horizon · \(label)") + "</div>"
        if let scores = evaluation["scores"] as? [String: [String: Any]], let first = names.first,
           let pit = scores[first]?["pitHistogram"] as? [NSNumber], !pit.isEmpty {
            html += "<div class=\"chart pit\">" + EvaluationPlots.pitHistogram(fractions: pit.map(\.doubleValue), name: first,
                                                                                 title: "PIT histogram of \(first) · \(label)") + "</div>"
        }
        return html
    }
}
