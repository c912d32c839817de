// A small dependency-free SVG line chart: stacked panels sharing an x axis (dates or numbers), nice ticks, legend.
import Foundation
import MarketSupport

/// A static SVG line chart of one or more stacked panels that share the x axis.
///
/// ```swift
/// let chart = SVGChart(title: "Equity", subtitle: "Sharpe 1.2 · max DD 8%", x: .dates(days), panels: [
///     SVGChart.Panel(label: "equity", series: [.init(name: "strategy", values: equity, color: "#1f77b4")]),
///     SVGChart.Panel(label: "drawdown", series: [.init(name: "drawdown", values: dd, color: "#d62728", fill: true)],
///                    weight: 0.4, format: .percent, baseline: 0),
/// ])
/// try AtomicFile.write(chart.render(), to: url)
/// ```
/// Every series of a panel has one value per x (NaN = a gap in the line). Ticks are "nice" numbers
/// (1, 2, 5 × 10^k) for values and whole years / months / days for dates.
public struct SVGChart: Sendable {
    /// The shared x axis.
    public enum XAxis: Sendable {
        /// Calendar dates (ticks at years, months or days, whichever gives 3–10 labels).
        case dates([DayNumber])
        /// Plain numbers, e.g. training steps, with an axis label.
        case numbers([Double], label: String)

        var values: [Double] {
            switch self {
            case .dates(let days): return days.map(Double.init)
            case .numbers(let values, _): return values
            }
        }
    }

    /// How tick labels of a panel's value axis are written.
    public enum ValueFormat: Sendable {
        /// Plain numbers with as many decimals as the tick step needs (thousands get a `k`/`M` suffix).
        case number
        /// Fractions shown as percentages (0.05 → `5%`).
        case percent
    }

    /// One line of a panel.
    public struct Series: Sendable {
        public var name: String
        /// One value per x, NaN for a gap.
        public var values: [Double]
        /// Any SVG colour, e.g. `#1f77b4`.
        public var color: String
        /// Fill the area between the line and the panel's baseline (drawdowns).
        public var fill: Bool
        /// Draw dashed (benchmarks, references).
        public var dashed: Bool

        public init(name: String, values: [Double], color: String, fill: Bool = false, dashed: Bool = false) {
            self.name = name
            self.values = values
            self.color = color
            self.fill = fill
            self.dashed = dashed
        }
    }

    /// A panel: its own value axis, series and legend.
    public struct Panel: Sendable {
        /// Value-axis label, e.g. `equity`.
        public var label: String
        public var series: [Series]
        /// Share of the plot height relative to the other panels (default 1).
        public var weight: Double
        public var format: ValueFormat
        /// A value always inside the range and drawn as a faint line (e.g. 0 or the initial capital); nil = none.
        public var baseline: Double?
        /// Logarithmic value axis (for positive values spanning more than ×4, e.g. equity curves); otherwise linear.
        public var logScale: Bool
        /// Legend at the top-left (default) or bottom-left of the panel (drawdowns hang from the top).
        public var legendAtBottom: Bool

        public init(label: String, series: [Series], weight: Double = 1, format: ValueFormat = .number,
                    baseline: Double? = nil, logScale: Bool = false, legendAtBottom: Bool = false) {
            self.label = label
            self.series = series
            self.weight = weight
            self.format = format
            self.baseline = baseline
            self.logScale = logScale
            self.legendAtBottom = legendAtBottom
        }
    }

    public var title: String
    /// One or more lines (separated by `\n`) under the title.
    public var subtitle: String
    public var x: XAxis
    public var panels: [Panel]
    /// Size in SVG user units (pixels).
    public var width: Double
    public var height: Double

    public init(title: String, subtitle: String = "", x: XAxis, panels: [Panel], width: Double = 960, height: Double = 560) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.panels = panels
        self.width = width
        self.height = height
    }

    /// The SVG document.
    public func render() -> String {
        let xs = x.values
        let subtitleLines = subtitle.isEmpty ? [] : subtitle.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let left = 78.0, right = 24.0, top = 52.0 + 18 * Double(subtitleLines.count), bottom = 44.0, gap = 26.0
        let plotWidth = width - left - right
        let totalWeight = panels.reduce(0) { $0 + max(0, $1.weight) }
        let plotHeight = height - top - bottom - gap * Double(max(0, panels.count - 1))
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)
        func px(_ value: Double) -> Double { left + (value - xMin) / (xMax - xMin) * plotWidth }

        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(f(left))" y="28" font-size="18" font-weight="600" fill="#222">\(escape(title))</text>

        """
        for (i, line) in subtitleLines.enumerated() {
            svg += "<text x=\"\(f(left))\" y=\"\(f(50 + 18 * Double(i)))\" font-size=\"12.5\" fill=\"#555\">\(escape(line))</text>\n"
        }
        var panelTop = top
        for (index, panel) in panels.enumerated() {
            let panelHeight = totalWeight > 0 ? plotHeight * max(0, panel.weight) / totalWeight : 0
            let finite = panel.series.flatMap(\.values).filter(\.isFinite) + (panel.baseline.map { [$0] } ?? [])
            var low = finite.min() ?? 0, high = finite.max() ?? 1
            let logarithmic = panel.logScale && low > 0 && high / low > 4
            if high - low < 1e-12 { low -= 0.5 * max(abs(low), 1e-6); high += 0.5 * max(abs(high), 1e-6) }
            let ticks = logarithmic ? Self.logTicks(low: low, high: high)
                : Self.niceTicks(low: low, high: high, count: max(3, Int(panelHeight / 45)))
            if !logarithmic {
                low = min(low, ticks.first ?? low)
                high = max(high, ticks.last ?? high)
            }
            let scaleLow = logarithmic ? log10(low) : low, scaleHigh = logarithmic ? log10(high) : high
            func py(_ value: Double) -> Double {
                let v = logarithmic ? log10(value) : value
                return panelTop + (scaleHigh - v) / (scaleHigh - scaleLow) * panelHeight
            }

            svg += "<g>\n<rect x=\"\(f(left))\" y=\"\(f(panelTop))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"#fafafa\" stroke=\"#ddd\"/>\n"
            for tick in ticks where tick >= low - 1e-12 && tick <= high + 1e-12 {
                let y = py(tick)
                let step = logarithmic ? tick / 10 : (ticks.count > 1 ? ticks[1] - ticks[0] : 1)
                svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e6e6e6\"/>\n"
                svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" font-size=\"11\" fill=\"#666\" text-anchor=\"end\">\(Self.label(tick, step: step, format: panel.format))</text>\n"
            }
            if let baseline = panel.baseline {
                svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(baseline)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(baseline)))\" stroke=\"#999\" stroke-width=\"1\"/>\n"
            }
            // x grid lines in every panel, labels under the last one.
            for (value, text) in xTicks(min: xMin, max: xMax) {
                let xPosition = px(value)
                svg += "<line x1=\"\(f(xPosition))\" y1=\"\(f(panelTop))\" x2=\"\(f(xPosition))\" y2=\"\(f(panelTop + panelHeight))\" stroke=\"#eeeeee\"/>\n"
                if index == panels.count - 1 {
                    svg += "<text x=\"\(f(xPosition))\" y=\"\(f(panelTop + panelHeight + 18))\" font-size=\"11\" fill=\"#666\" text-anchor=\"middle\">\(escape(text))</text>\n"
                }
            }
            let axisLabel = panel.label + (logarithmic ? " (log scale)" : "")
            svg += "<text transform=\"translate(16 \(f(panelTop + panelHeight / 2))) rotate(-90)\" font-size=\"12\" fill=\"#444\" text-anchor=\"middle\">\(escape(axisLabel))</text>\n"
            for series in panel.series {
                let base = py(panel.baseline ?? low)
                for run in Self.runs(series.values) {
                    var path = ""
                    for i in run {
                        path += (path.isEmpty ? "M" : "L") + "\(f(px(xs[i]))),\(f(py(series.values[i])))"
                    }
                    if series.fill, let firstIndex = run.first, let lastIndex = run.last {
                        let area = path + "L\(f(px(xs[lastIndex]))),\(f(base))L\(f(px(xs[firstIndex]))),\(f(base))Z"
                        svg += "<path d=\"\(area)\" fill=\"\(series.color)\" fill-opacity=\"0.22\" stroke=\"none\"/>\n"
                    }
                    let dash = series.dashed ? " stroke-dasharray=\"6 4\"" : ""
                    svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\" stroke-linejoin=\"round\"\(dash)/>\n"
                }
            }
            // Legend: top-left (or bottom-left) inside the panel, on a translucent card.
            if !panel.series.isEmpty {
                let legendWidth = 10 + panel.series.map { Double($0.name.count) * 6.6 + 38 }.reduce(0, +)
                let legendTop = panel.legendAtBottom ? panelTop + panelHeight - 30 : panelTop + 8
                svg += "<rect x=\"\(f(left + 8))\" y=\"\(f(legendTop))\" width=\"\(f(legendWidth))\" height=\"22\" rx=\"4\" fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#ddd\"/>\n"
                var legendX = left + 18
                for series in panel.series {
                    let dash = series.dashed ? " stroke-dasharray=\"6 4\"" : ""
                    svg += "<line x1=\"\(f(legendX))\" y1=\"\(f(legendTop + 11))\" x2=\"\(f(legendX + 22))\" y2=\"\(f(legendTop + 11))\" stroke=\"\(series.color)\" stroke-width=\"2.4\"\(dash)/>\n"
                    svg += "<text x=\"\(f(legendX + 28))\" y=\"\(f(legendTop + 15))\" font-size=\"11.5\" fill=\"#333\">\(escape(series.name))</text>\n"
                    legendX += Double(series.name.count) * 6.6 + 38
                }
            }
            svg += "</g>\n"
            panelTop += panelHeight + gap
        }
        if case .numbers(_, let label) = x, !label.isEmpty {
            svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" font-size=\"12\" fill=\"#444\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: ticks

    /// 1-2-5 ticks covering [low, high] with about `count` intervals.
    public static func niceTicks(low: Double, high: Double, count: Int) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step
        var ticks: [Double] = []
        var value = first
        while value <= high + step * 0.5 && ticks.count < 50 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// Ticks of a logarithmic axis: 1-2-5 × 10^k inside [low, high] (every power of ten when that is too many).
    public static func logTicks(low: Double, high: Double) -> [Double] {
        guard low > 0, high > low else { return [low] }
        var ticks: [Double] = []
        for exponent in Int(floor(log10(low)))...Int(ceil(log10(high))) {
            for mantissa in [1.0, 2, 5] {
                let value = mantissa * pow(10, Double(exponent))
                if value >= low && value <= high { ticks.append(value) }
            }
        }
        if ticks.count > 9 { ticks = ticks.filter { abs(log10($0).rounded() - log10($0)) < 1e-9 } }
        if ticks.count < 2 { return niceTicks(low: low, high: high, count: 4).filter { $0 >= low && $0 <= high } }
        return ticks
    }

    static func label(_ value: Double, step: Double, format: ValueFormat) -> String {
        switch format {
        case .percent:
            let decimals = max(0, Int(ceil(-log10(step * 100) - 1e-9)))
            return String(format: "%.\(decimals)f%%", value * 100)
        case .number:
            if abs(value) >= 1e6 && step >= 1e5 { return trimmed(value / 1e6, step: step / 1e6) + "M" }
            if abs(value) >= 1e4 && step >= 100 { return trimmed(value / 1e3, step: step / 1e3) + "k" }
            return trimmed(value, step: step)
        }
    }

    static func trimmed(_ value: Double, step: Double) -> String {
        let decimals = max(0, min(8, Int(ceil(-log10(step) - 1e-9))))
        return String(format: "%.\(decimals)f", value)
    }

    /// Ticks of the x axis with their labels.
    func xTicks(min low: Double, max high: Double) -> [(Double, String)] {
        switch x {
        case .numbers:
            let ticks = Self.niceTicks(low: low, high: high, count: 8)
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
            return ticks.filter { $0 >= low && $0 <= high }.map { ($0, Self.label($0, step: step, format: .number)) }
        case .dates:
            let first = CivilDate.civil(DayNumber(low)), last = CivilDate.civil(DayNumber(high))
            let months = (last.year - first.year) * 12 + last.month - first.month
            if months >= 48 {
                let years = last.year - first.year
                let every = [1, 2, 5, 10, 20, 50].first { years / $0 <= 9 } ?? 100
                return stride(from: first.year, through: last.year, by: 1).filter { $0 % every == 0 }.compactMap {
                    let day = Double(CivilDate.dayNumber(year: $0, month: 1, day: 1))
                    return day >= low ? (day, String($0)) : nil
                }
            }
            if months >= 3 {
                let every = [1, 2, 3, 6].first { months / $0 <= 8 } ?? 12
                var ticks: [(Double, String)] = []
                var (year, month) = (first.year, first.month + 1)
                while true {
                    if month > 12 { year += 1; month -= 12 }
                    let day = CivilDate.dayNumber(year: year, month: month, day: 1)
                    if Double(day) > high { break }
                    if (month - 1) % every == 0 { ticks.append((Double(day), CivilDate.isoString(day).prefix(7).description)) }
                    month += 1
                }
                return ticks
            }
            let days = Int(high - low)
            let every = [1, 2, 7, 14].first { days / $0 <= 9 } ?? 28
            return stride(from: Int(low), through: Int(high), by: every).map {
                (Double($0), String(CivilDate.isoString(DayNumber($0)).dropFirst(5)))
            }
        }
    }

    // MARK: helpers

    /// Index ranges of consecutive finite values.
    static func runs(_ values: [Double]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int? = nil
        for (i, value) in values.enumerated() {
            if value.isFinite { if start == nil { start = i } } else if let s = start { runs.append(s..<i); start = nil }
        }
        if let s = start { runs.append(s..<values.count) }
        return runs
    }

    func f(_ value: Double) -> String { String(format: "%.1f", value) }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
