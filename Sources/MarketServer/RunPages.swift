// Dashboard pages of runs: the list, and one run's loss and validation curves, last figures and config.
import Foundation
import MarketCharts
import MarketSupport
import MarketData

enum RunPages {
    static func list(_ state: ServerState) -> String {
        let names = RunFiles.runNames(state: state)
        var rows = ""
        for name in names {
            let folder = state.runsRoot.appendingPathComponent(name)
            let e = DashboardPage.escape(name)
            let hasEvaluation = RunFiles.evaluationFile(folder) != nil
            let hasBacktest = FileManager.default.fileExists(atPath: folder.appendingPathComponent("backtest/metrics.json").path)
            let steps = RunFiles.metrics(folder).compactMap { ($0["step"] as? NSNumber)?.intValue }.max()
            rows += "<tr><td><a href=\"/runs/\(e)\">\(e)</a></td><td class=\"num\">\(steps.map(String.init) ?? "–")</td>"
            rows += "<td>\(hasEvaluation ? "<a href=\"/evaluation/\(e)\">evaluation</a>" : "–")</td>"
            rows += "<td>\(hasBacktest ? "<a href=\"/backtest?run=\(e)\">backtest</a>" : "–")</td></tr>"
        }
        let body = names.isEmpty
            ? "<div class=\"card\"><p class=\"muted\">No runs under \(DashboardPage.escape(state.config.runs))/ yet: run <code>make quickstart</code>.</p></div>"
            : "<div class=\"card\"><table class=\"sortable\" id=\"runs\"><thead><tr><th>run</th><th>steps logged</th><th>evaluation</th><th>backtest</th></tr></thead><tbody>\(rows)</tbody></table></div>"
        return DashboardPage.render(title: "Runs", active: "/runs", body: body)
    }

    static func run(_ state: ServerState, name: String) throws -> String {
        let folder = try RunFiles.runFolder(state: state, name: name)
        let rows = RunFiles.metrics(folder)
        var body = "<p><a href=\"/runs\">← all runs</a></p>"
        let training = rows.filter { $0["loss"] is NSNumber && $0["step"] is NSNumber }
        if training.isEmpty {
            body += "<div class=\"card\"><p class=\"muted\">No metrics.jsonl in this run.</p></div>"
        } else {
            body += "<div class=\"card chart\" id=\"loss-chart\">\(lossChart(rows, run: name))</div>"
            let last = training.last!
            body += "<div class=\"card\"><h2>Last logged step</h2><table id=\"last-step\"><tbody>"
            for key in last.keys.sorted() {
                body += "<tr><th>\(DashboardPage.escape(key))</th><td class=\"num\">\(DashboardPage.escape(format(last[key])))</td></tr>"
            }
            body += "</tbody></table></div>"
        }
        if RunFiles.evaluationFile(folder) != nil {
            body += "<p><a href=\"/evaluation/\(DashboardPage.escape(name))\">Evaluation against the baselines →</a></p>"
        }
        if let summary = JSONBody.readFile(folder.appendingPathComponent("summary.json")) as? [String: Any],
           let stages = summary["stages"] as? [[String: Any]] {
            body += "<div class=\"card\"><h2>Stages</h2><table><thead><tr><th>stage</th><th>status</th><th>seconds</th></tr></thead><tbody>"
            for stage in stages {
                body += "<tr><td>\(DashboardPage.escape(format(stage["title"] ?? stage["name"])))</td><td>\(DashboardPage.escape(format(stage["status"])))</td>"
                body += "<td class=\"num\">\(DashboardPage.escape(format(stage["seconds"])))</td></tr>"
            }
            body += "</tbody></table></div>"
        }
        for file in ["config.yaml", "universe.yaml"] {
            if let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) {
                body += "<div class=\"card\"><h2>\(file)</h2><pre id=\"config\">\(DashboardPage.escape(String(text.prefix(20_000))))</pre></div>"
                break
            }
        }
        return DashboardPage.render(title: "Run \(name)", active: "/runs", body: body)
    }

    /// Training loss per logged step over validation loss per evaluation (SVGChart, two panels).
    static func lossChart(_ rows: [[String: Any]], run: String) -> String {
        let training = rows.filter { $0["loss"] is NSNumber && $0["step"] is NSNumber }
        let steps = training.map { ($0["step"] as! NSNumber).doubleValue }
        let loss = training.map { ($0["loss"] as! NSNumber).doubleValue }
        let validation = training.map { ($0["val_loss"] as? NSNumber)?.doubleValue ?? .nan }
        var panels = [SVGChart.Panel(label: "training loss", series: [.init(name: "loss", values: loss, color: "#1f5fbf")])]
        if validation.contains(where: { $0.isFinite }) {
            panels.append(SVGChart.Panel(label: "validation loss",
                                         series: [.init(name: "val_loss", values: forwardFilled(validation), color: "#d0342c")]))
        }
        return SVGChart(title: "Run \(run): loss", subtitle: "Gaussian NLL per logged step; validation at each evaluation",
                        x: .numbers(steps, label: "optimizer step"), panels: panels, height: 460).render()
    }

    /// NaN gaps filled with the previous value (the validation loss is logged every `eval_every` steps).
    static func forwardFilled(_ values: [Double]) -> [Double] {
        var last = values.first(where: { $0.isFinite }) ?? 0
        return values.map { value in
            if value.isFinite { last = value }
            return last
        }
    }

    /// A JSON value as short text.
    static func format(_ value: Any?) -> String {
        switch value {
        case let number as NSNumber:
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e12 ? String(Int64(double)) : String(format: "%.5g", double)
        case let text as String: return text
        case nil, is NSNull: return "–"
        default: return "\(value!)"
        }
    }
}
