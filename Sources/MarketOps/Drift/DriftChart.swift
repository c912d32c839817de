// The drift report as an SVG heat map: categories × features, colour = KS statistic D, a ring where it drifts.
import Foundation

/// Renders a `DriftReport` as a self-contained SVG (no scripts, no external fonts).
public enum DriftChart {
    public static func svg(_ report: DriftReport) -> String {
        var categories: [String] = []
        var features: [String] = []
        for t in report.tests {
            if !categories.contains(t.category) { categories.append(t.category) }
            if !features.contains(t.feature) { features.append(t.feature) }
        }
        let cell = 110.0, rowHeight = 44.0, left = 130.0, top = 90.0
        let width = left + cell * Double(max(features.count, 1)) + 20
        let height = top + rowHeight * Double(max(categories.count, 1)) + 60
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="22" font-size="16" font-weight="bold">Feature drift on \(escape(report.date)) — last \(report.window) bars vs training reference</text>
            <text x="10" y="42" fill="#555">Kolmogorov–Smirnov D per category and feature; ringed cells drift (Benjamini–Hochberg q &lt; \(report.level)). \(report.drift ? "DRIFT in \(report.drifted.count) of \(report.tests.count) tests" : "No drift in \(report.tests.count) tests").</text>

            """
        for (j, feature) in features.enumerated() {
            out += "<text x=\"\(left + cell * Double(j) + cell / 2)\" y=\"\(top - 10)\" text-anchor=\"middle\">\(escape(feature))</text>\n"
        }
        for (i, category) in categories.enumerated() {
            let y = top + rowHeight * Double(i)
            out += "<text x=\"\(left - 8)\" y=\"\(y + rowHeight / 2 + 4)\" text-anchor=\"end\">\(escape(category))</text>\n"
            for (j, feature) in features.enumerated() {
                guard let t = report.tests.first(where: { $0.category == category && $0.feature == feature }) else { continue }
                let x = left + cell * Double(j)
                let intensity = min(1, t.statistic / 0.5)   // D = 0.5 or more: full colour
                let red = 255, green = Int(255 - 175 * intensity), blue = Int(255 - 215 * intensity)
                out += "<rect x=\"\(x + 2)\" y=\"\(y + 2)\" width=\"\(cell - 4)\" height=\"\(rowHeight - 4)\" fill=\"rgb(\(red),\(green),\(blue))\""
                    + (t.drift ? " stroke=\"#b00\" stroke-width=\"3\"" : " stroke=\"#ddd\"") + "/>\n"
                out += "<text x=\"\(x + cell / 2)\" y=\"\(y + rowHeight / 2 + 4)\" text-anchor=\"middle\">"
                    + String(format: "%.3f", t.statistic) + (t.drift ? " *" : "") + "</text>\n"
            }
        }
        out += "<text x=\"10\" y=\"\(height - 20)\" fill=\"#555\">Reference: \(escape(report.reference)); * drift. Colour: white D = 0 … red D ≥ 0.5.</text>\n</svg>\n"
        return out
    }
}
