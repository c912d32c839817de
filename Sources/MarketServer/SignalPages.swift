// Dashboard pages of signals: the sortable, filterable table of a signal file, and one asset's forecast fan chart.
import Foundation
import MarketCharts
import MarketSupport
import MarketData

enum SignalPages {
    static func table(_ state: ServerState, date: String?) throws -> String {
        let (day, file, rows) = try RunFiles.signalRecords(state: state, date: date)
        let categories = Array(Set(rows.map(\.category))).sorted()
        func options(_ values: [String]) -> String { values.map { "<option>\(DashboardPage.escape($0))</option>" }.joined() }
        var body = "<p class=\"muted\">\(DashboardPage.escape(file)) · <span id=\"shown\">\(rows.count)</span> of \(rows.count) assets shown"
        let dates = RunFiles.signalDates(state: state)
        if dates.count > 1 {
            body += " · other dates: " + dates.suffix(8).reversed().map { "<a href=\"/signals?date=\($0)\">\($0)</a>" }.joined(separator: " ")
        }
        body += "</p><div class=\"filters\"><label>Category <select data-filter=\"category\" id=\"filter-category\"><option value=\"\">all</option>\(options(categories))</select></label>"
        body += "<label>Signal <select data-filter=\"signal\" id=\"filter-signal\"><option value=\"\">all</option>\(options(["BUY", "SELL", "HOLD"]))</select></label></div>"
        body += "<div class=\"card\"><table class=\"sortable\" id=\"signals\"><thead><tr><th>ticker</th><th>category</th><th>signal</th>"
        body += "<th>confidence</th><th>expected return</th><th>σ (h=1)</th><th>epistemic σ</th><th>aleatoric σ</th><th>last close</th><th>reason</th></tr></thead><tbody>"
        for row in rows {
            let t = DashboardPage.escape(row.ticker)
            body += "<tr data-category=\"\(DashboardPage.escape(row.category))\" data-signal=\"\(row.signal.rawValue)\">"
            body += "<td><a href=\"/signals/\(t)?date=\(day)\">\(t)</a></td><td>\(DashboardPage.escape(row.category))</td>"
            body += "<td class=\"\(row.signal.rawValue)\">\(row.signal.rawValue)</td>"
            body += number(row.confidence, "%.3f") + number(row.expectedReturn * 100, "%+.2f%%", raw: row.expectedReturn)
            body += number(row.predStd.first ?? .nan, "%.4f") + number(row.epistemicStd, "%.4f") + number(row.aleatoricStd, "%.4f")
            body += number(row.lastClose, "%.4g") + "<td>\(DashboardPage.escape(row.reason))</td></tr>"
        }
        body += "</tbody></table></div>"
        return DashboardPage.render(title: "Signals \(day)", active: "/signals", body: body)
    }

    /// A numeric cell (sorted by `raw`, shown with `format`; `–` when not finite).
    static func number(_ value: Double, _ format: String, raw: Double? = nil) -> String {
        let sortKey = raw ?? value
        guard value.isFinite else { return "<td class=\"num\" data-value=\"-1e308\">–</td>" }
        return "<td class=\"num\" data-value=\"\(sortKey)\">\(String(format: format, value))</td>"
    }

    /// History of closes and the forecast fan (mean ± 1σ and ± 2σ of the cumulative return, as prices)
    /// for the next H days, from the signal file row of the date.
    static func fan(_ state: ServerState, ticker: String, date: String?) throws -> String {
        let (day, file, rows) = try RunFiles.signalRecords(state: state, date: date)
        guard let row = rows.first(where: { $0.ticker == ticker }) else {
            throw APIError.notFound("no row for ticker '\(ticker.prefix(40))' in \(file)")
        }
        var body = "<p><a href=\"/signals?date=\(day)\">← signals \(day)</a></p>"
        body += "<div class=\"card grid\"><div><div class=\"label\">signal</div><div class=\"figure \(row.signal.rawValue)\">\(row.signal.rawValue)</div></div>"
        body += "<div><div class=\"label\">confidence</div><div class=\"figure\">\(String(format: "%.3f", row.confidence))</div></div>"
        body += "<div><div class=\"label\">expected return</div><div class=\"figure\">\(row.expectedReturn.isFinite ? String(format: "%+.2f%%", row.expectedReturn * 100) : "–")</div></div>"
        body += "<div><div class=\"label\">reason</div><div class=\"figure\">\(DashboardPage.escape(row.reason.isEmpty ? "–" : row.reason))</div></div></div>"
        guard let history = state.forecasts.history(ticker: ticker, upTo: row.date, days: 120), let lastClose = history.close.last,
              row.predMean.allSatisfy(\.isFinite), row.predStd.allSatisfy(\.isFinite), !row.predMean.isEmpty else {
            body += "<div class=\"card\"><p class=\"muted\">No forecast to draw (no data or no model output for this asset: \(DashboardPage.escape(row.reason))).</p></div>"
            return DashboardPage.render(title: "\(ticker) forecast", active: "/signals", body: body)
        }
        body += "<div class=\"card chart\" id=\"fan-chart\">\(fanChart(ticker: ticker, history: history, lastClose: lastClose, row: row))</div>"
        body += "<div class=\"card\"><table id=\"fan-table\"><thead><tr><th>day</th><th>mean return</th><th>σ</th></tr></thead><tbody>"
        for h in 0..<row.predMean.count {
            body += "<tr><td>t+\(h + 1)</td><td class=\"num\">\(String(format: "%+.4f", row.predMean[h]))</td><td class=\"num\">\(String(format: "%.4f", row.predStd[h]))</td></tr>"
        }
        body += "</tbody></table></div>"
        return DashboardPage.render(title: "\(ticker) forecast", active: "/signals", body: body)
    }

    /// The fan chart: closes, then mean and ±1σ/±2σ bands of exp(cumulative return) × last close.
    static func fanChart(ticker: String, history: (dates: [DayNumber], close: [Double]), lastClose: Double, row: SignalRecord) -> String {
        let horizon = row.predMean.count
        let future = OHLCVReconstructionDates.next(after: history.dates.last!, count: horizon)
        let dates = history.dates + future
        let pad = [Double](repeating: .nan, count: history.dates.count - 1)
        var mean = [lastClose], upper1 = [lastClose], lower1 = [lastClose], upper2 = [lastClose], lower2 = [lastClose]
        var cumulativeMean = 0.0, cumulativeVariance = 0.0
        for h in 0..<horizon {
            cumulativeMean += row.predMean[h]
            cumulativeVariance += row.predStd[h] * row.predStd[h]
            let sigma = cumulativeVariance.squareRoot()
            mean.append(lastClose * exp(cumulativeMean))
            upper1.append(lastClose * exp(cumulativeMean + sigma)); lower1.append(lastClose * exp(cumulativeMean - sigma))
            upper2.append(lastClose * exp(cumulativeMean + 2 * sigma)); lower2.append(lastClose * exp(cumulativeMean - 2 * sigma))
        }
        let closes = history.close + [Double](repeating: .nan, count: horizon)
        let series: [SVGChart.Series] = [
            .init(name: "close", values: closes, color: "#1d2330"),
            .init(name: "+2σ", values: pad + upper2, color: "#9fbbe6", dashed: true),
            .init(name: "+1σ", values: pad + upper1, color: "#5b8fd9"),
            .init(name: "mean", values: pad + mean, color: "#1f5fbf"),
            .init(name: "−1σ", values: pad + lower1, color: "#5b8fd9"),
            .init(name: "−2σ", values: pad + lower2, color: "#9fbbe6", dashed: true),
        ]
        return SVGChart(title: "\(ticker): last \(history.dates.count) closes and the \(horizon)-day forecast",
                        subtitle: "mean ± 1σ and ± 2σ of the cumulative return (MC dropout, aleatoric + epistemic), as prices",
                        x: .dates(dates), panels: [SVGChart.Panel(label: "price", series: series)], height: 420).render()
    }
}

/// The next `count` weekdays after a date (the fan chart's future x values).
enum OHLCVReconstructionDates {
    static func next(after day: DayNumber, count: Int) -> [DayNumber] {
        var out: [DayNumber] = []
        var d = day
        while out.count < count {
            d += 1
            let weekday = (Int(d) + 3) % 7   // 0 = Monday (1970-01-01 was a Thursday)
            if weekday < 5 { out.append(d) }
        }
        return out
    }
}
