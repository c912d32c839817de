// CalibrationPlots: small SVG plots of an evaluation — coverage per horizon, PIT histogram, per-window NLL.
// (Adapter: MarketData's SVGChart from the backtest branch was not on main when this was written.)
import Foundation

/// Self-contained SVG line/bar plots (no scripts, no external fonts).
public enum CalibrationPlots {
    static let colors = ["model": "#d62728", "pretrained": "#9467bd", "rw": "#7f7f7f", "ewma": "#1f77b4", "garch": "#2ca02c", "nominal": "#000000"]

    /// Coverage of the 50% and 90% intervals per horizon step for each forecaster, with the nominal levels.
    public static func coveragePerHorizon(_ evaluation: ForecastEvaluation, title: String) -> String {
        let names = ["model", "rw", "ewma", "garch"].filter { evaluation.perHorizon[$0] != nil }
        var series: [(String, [Double], String, Bool)] = []
        for name in names {
            let cards = evaluation.perHorizon[name]!
            series.append(("\(name) 90%", cards.map(\.coverage90), colors[name]!, false))
            series.append(("\(name) 50%", cards.map(\.coverage50), colors[name]!, true))
        }
        let h = evaluation.perHorizon["model"]?.count ?? 1
        series.append(("nominal 90%", [Double](repeating: 0.9, count: h), colors["nominal"]!, false))
        series.append(("nominal 50%", [Double](repeating: 0.5, count: h), colors["nominal"]!, true))
        return lines(title: title, xLabels: (1...max(h, 1)).map { "h=\($0)" }, series: series, yRange: (0, 1))
    }

    /// The model's 10-bin PIT histogram (fractions; a calibrated forecaster is flat at 0.1), with GARCH's beside it.
    public static func pitHistogram(_ evaluation: ForecastEvaluation, title: String) -> String {
        let model = evaluation.scores["model"]?.pitHistogram ?? []
        let garch = evaluation.scores["garch"]?.pitHistogram ?? []
        let width = 720.0, height = 360.0, left = 60.0, right = 20.0, top = 40.0, bottom = 50.0
        let top0 = max(0.2, (model + garch).filter(\.isFinite).max() ?? 0.2) * 1.1
        var svg = header(width, height, title)
        let plotW = width - left - right, plotH = height - top - bottom
        svg += axes(left: left, top: top, plotW: plotW, plotH: plotH, yRange: (0, top0))
        let bins = max(model.count, 1)
        let slot = plotW / Double(bins)
        for (k, values) in [(0, model), (1, garch)] {
            for (i, v) in values.enumerated() where v.isFinite {
                let x = left + Double(i) * slot + slot * (0.1 + 0.4 * Double(k))
                let y = top + plotH * (1 - v / top0)
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(slot * 0.4))\" height=\"\(f(top + plotH - y))\" fill=\"\(k == 0 ? colors["model"]! : colors["garch"]!)\" opacity=\"0.8\"/>\n"
            }
        }
        for i in 0..<bins { svg += text(left + (Double(i) + 0.5) * slot, top + plotH + 16, String(format: "%.1f", (Double(i) + 0.5) / Double(bins)), anchor: "middle") }
        let y = top + plotH * (1 - 0.1 / top0)
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n"
        svg += legend([("model", colors["model"]!, false), ("garch", colors["garch"]!, false), ("uniform 0.1", "#000", true)], x: left + 10, y: top + 14)
        return svg + "</svg>\n"
    }

    /// NLL per walk-forward window of the model and each baseline.
    public static func windowNLL(_ windows: [WalkForwardWindowResult], title: String) -> String {
        let names = ["model", "rw", "ewma", "garch"]
        let series = names.map { name in (name, windows.map { $0.evaluation.scores[name]?.nll ?? .nan }, colors[name]!, false) }
        return lines(title: title, xLabels: windows.map(\.start), series: series, yRange: nil)
    }

    // MARK: drawing

    static func lines(title: String, xLabels: [String], series: [(String, [Double], String, Bool)], yRange: (Double, Double)?) -> String {
        let width = 900.0, height = 420.0, left = 70.0, right = 160.0, top = 40.0, bottom = 60.0
        let finite = series.flatMap(\.1).filter(\.isFinite)
        var range = yRange ?? ((finite.min() ?? 0), (finite.max() ?? 1))
        if range.1 <= range.0 { range = (range.0 - 1, range.0 + 1) }
        let pad = yRange == nil ? (range.1 - range.0) * 0.05 : 0
        range = (range.0 - pad, range.1 + pad)
        let plotW = width - left - right, plotH = height - top - bottom
        var svg = header(width, height, title)
        svg += axes(left: left, top: top, plotW: plotW, plotH: plotH, yRange: range)
        let n = max(xLabels.count, 1)
        func x(_ i: Int) -> Double { n == 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(n - 1) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - range.0) / (range.1 - range.0)) }
        let every = max(1, n / 10)
        for (i, label) in xLabels.enumerated() where i % every == 0 { svg += text(x(i), top + plotH + 18, label, anchor: "middle") }
        for (_, values, color, dashed) in series {
            var path = "", pen = false
            for (i, v) in values.enumerated() {
                guard v.isFinite else { pen = false; continue }
                path += "\(pen ? "L" : "M")\(f(x(i))) \(f(y(v))) "
                pen = true
            }
            if !path.isEmpty {
                svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")/>\n"
            }
        }
        svg += legend(series.map { ($0.0, $0.2, $0.3) }, x: left + plotW + 12, y: top + 10)
        return svg + "</svg>\n"
    }

    static func header(_ width: Double, _ height: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n" + text(width / 2, 22, title, anchor: "middle", size: 14)
    }

    static func axes(left: Double, top: Double, plotW: Double, plotH: Double, yRange: (Double, Double)) -> String {
        var svg = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>\n"
        for k in 0...4 {
            let v = yRange.0 + (yRange.1 - yRange.0) * Double(k) / 4
            let y = top + plotH * (1 - Double(k) / 4)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#eee\"/>\n"
            svg += text(left - 6, y + 4, String(format: "%.3g", v), anchor: "end")
        }
        return svg
    }

    static func legend(_ entries: [(String, String, Bool)], x: Double, y: Double) -> String {
        var svg = ""
        for (i, entry) in entries.enumerated() {
            let yy = y + Double(i) * 16
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(yy))\" x2=\"\(f(x + 22))\" y2=\"\(f(yy))\" stroke=\"\(entry.1)\" stroke-width=\"2\"\(entry.2 ? " stroke-dasharray=\"5 4\"" : "")/>\n"
            svg += text(x + 28, yy + 4, entry.0, anchor: "start")
        }
        return svg
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String, size: Int = 11) -> String {
        let escaped = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escaped)</text>\n"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
