// The dashboard's home page: server, model, universe, latest signals, runs and jobs at a glance.
import Foundation
import MarketSupport
import MarketData

enum OverviewPage {
    static func render(_ state: ServerState) -> String {
        let forecasts = state.forecasts
        func figure(_ label: String, _ value: String, id: String) -> String {
            "<div class=\"card\" id=\"\(id)\"><div class=\"label\">\(label)</div><div class=\"figure\">\(DashboardPage.escape(value))</div></div>"
        }
        let latest = try? RunFiles.signalRecords(state: state, date: nil)
        var counts = ""
        if let latest {
            counts = ["BUY", "SELL", "HOLD"].map { action in "\(latest.rows.filter { $0.signal.rawValue == action }.count) \(action)" }.joined(separator: " · ")
        }
        let runs = RunFiles.runNames(state: state)
        let jobs = state.jobs.list()
        let model = forecasts.modelLoaded ? "loaded" : "not loaded"
        var body = "<div class=\"grid\">"
        body += figure("Served run", state.config.run, id: "fig-run")
        body += figure("Model", model, id: "fig-model")
        body += figure("Universe assets", forecasts.loaded.map { String($0.assets.count) } ?? "–", id: "fig-assets")
        body += figure("Latest data", forecasts.latestDate.map(CivilDate.isoString) ?? "–", id: "fig-data")
        body += figure("Latest signals", latest?.date ?? "none", id: "fig-signals")
        body += figure("Runs", String(runs.count), id: "fig-runs")
        body += figure("Synth jobs", String(jobs.count), id: "fig-jobs")
        body += figure("Version", state.version, id: "fig-version")
        body += "</div>"
        if let problem = forecasts.modelProblem {
            body += "<div class=\"card\"><p class=\"muted\">Forecasts are off: \(DashboardPage.escape(problem))</p></div>"
        }
        let served = forecasts.served
        if !served.isEmpty {
            body += "<div class=\"card\" id=\"models\"><h2>Models</h2><table><thead><tr><th>Category</th><th>Source</th><th>Run</th><th>Checkpoint</th><th>Content hash</th></tr></thead><tbody>"
            for model in served {
                let cells = [model.category, model.source == "registry" ? "registry (production)" : "checkpoint folder", model.runID ?? "–",
                             model.checkpoint, model.contentHash ?? "–"]
                body += "<tr>" + cells.map { "<td>\(DashboardPage.escape($0))</td>" }.joined() + "</tr>"
            }
            body += "</tbody></table>"
            for problem in forecasts.registryProblems { body += "<p class=\"muted\">\(DashboardPage.escape(problem))</p>" }
            body += "</div>"
        }
        body += "<div class=\"card\"><h2>Pages</h2><ul>"
        body += "<li><a href=\"/runs\">Runs</a> — training curves, config, evaluation against the baselines</li>"
        body += "<li><a href=\"/signals\">Signals</a> — the latest BUY/SELL/HOLD table\(counts.isEmpty ? "" : " (\(counts))"), with each asset's forecast fan chart</li>"
        body += "<li><a href=\"/backtest\">Backtest</a> — equity and drawdown, metrics and trades of the served run</li>"
        body += "<li><a href=\"/synth\">Synth</a> — upload a CSV, watch the job, download CSV or Excel</li>"
        body += "<li><a href=\"/docs\">API</a> — the JSON API (<a href=\"/openapi.json\">OpenAPI 3.1</a>)</li></ul></div>"
        return DashboardPage.render(title: "Overview", active: "/", body: body)
    }
}
