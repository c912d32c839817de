// Dashboard page of a run's backtest: its equity + drawdown chart (equity.svg), metrics and trades.
import Foundation
import MarketSupport

enum BacktestPage {
    static func render(_ state: ServerState, name: String) throws -> String {
        let folder = try RunFiles.runFolder(state: state, name: name).appendingPathComponent("backtest")
        guard let metrics = JSONBody.readFile(folder.appendingPathComponent("metrics.json")) as? [String: Any] else {
            throw APIError.notFound("run '\(name)' has no backtest (backtest/metrics.json)")
        }
        let runs = RunFiles.runNames(state: state).filter {
            FileManager.default.fileExists(atPath: state.runsRoot.appendingPathComponent("\($0)/backtest/metrics.json").path)
        }
        var body = "<p class=\"muted\">Run \(DashboardPage.escape(name))"
        if runs.count > 1 { body += " · other runs: " + runs.filter { $0 != name }.map { "<a href=\"/backtest?run=\($0)\">\($0)</a>" }.joined(separator: " ") }
        body += "</p>"
        if let svg = try? String(contentsOf: folder.appendingPathComponent("equity.svg"), encoding: .utf8), svg.hasPrefix("<svg") || svg.hasPrefix("<?xml") {
            body += "<div class=\"card chart\" id=\"equity-chart\">\(svg.hasPrefix("<?xml") ? String(svg.drop { $0 != "\n" }) : svg)</div>"
        }
        body += "<div class=\"card\"><h2>Metrics</h2><table id=\"metrics\"><tbody>"
        for key in metrics.keys.sorted() {
            body += "<tr><th>\(DashboardPage.escape(key))</th><td class=\"num\">\(DashboardPage.escape(RunPages.format(metrics[key])))</td></tr>"
        }
        body += "</tbody></table></div>"
        let trades = RunFiles.csvObjects(folder.appendingPathComponent("trades.csv"), limit: 2000)
        body += "<div class=\"card\"><h2>Trades (\(trades.count)\(trades.count == 2000 ? "+" : ""))</h2>"
        if let first = trades.first {
            let columns = header(folder.appendingPathComponent("trades.csv")) ?? first.keys.sorted()
            body += "<table class=\"sortable\" id=\"trades\"><thead><tr>" + columns.map { "<th>\(DashboardPage.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            for trade in trades {
                body += "<tr>" + columns.map { "<td>\(DashboardPage.escape(RunPages.format(trade[$0])))</td>" }.joined() + "</tr>"
            }
            body += "</tbody></table>"
        } else {
            body += "<p class=\"muted\" id=\"trades\">No trades.</p>"
        }
        body += "</div>"
        return DashboardPage.render(title: "Backtest \(name)", active: "/backtest", body: body)
    }

    static func header(_ url: URL) -> [String]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8), let line = text.split(whereSeparator: \.isNewline).first else { return nil }
        return line.split(separator: ",").map(String.init)
    }
}
