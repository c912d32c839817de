// SVG plots of the evaluation report: coverage per horizon, PIT histogram, per-window NLL vs baselines.

import Foundation

/// One named series of an evaluation plot (a forecaster: `model`, `rw`, `ewma`, `garch`, …).
public struct PlotSeries: Sendable, Equatable {
    public var name: String
    /// One value per x position; NaN leaves a gap.
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// The evaluation report's figures as standalone SVG documents (write them with `AtomicFile`).
/// MarketTraining's own small chart code: MarketData had no chart helper when this was written.
public enum EvaluationPlots {
    /// Coverage of the central 50% and 90% intervals per horizon step h = 1…H, one line per forecaster
    /// and interval (solid 90%, dashed 50%), with the nominal levels as grey reference lines.
    public static func coveragePerHorizon(coverage50: [PlotSeries], coverage90: [PlotSeries], title: String = "Interval coverage per horizon") -> String {
        let horizon = (coverage50 + coverage90).map(\.values.count).max() ?? 0
        var chart = LineChart(title: title, xLabels: (1...max(1, horizon)).map { "h=\($0)" }, yLabel: "coverage",
                              yRange: 0...1, references: [(0.5, "nominal 50%"), (0.9, "nominal 90%")])
        for (index, series) in coverage90.enumerated() { chart.add(series, colorIndex: index, dashed: false, suffix: " 90%") }
        for (index, series) in coverage50.enumerated() { chart.add(series, colorIndex: index, dashed: true, suffix: " 50%") }
        return chart.render()
    }

    /// Per-window mean NLL of the model against each baseline (x = walk-forward window, labelled by
    /// `windowLabels`, e.g. the window's first date).
    public static func nllPerWindow(windowLabels: [String], series: [PlotSeries], title: String = "NLL per walk-forward window") -> String {
        var chart = LineChart(title: title, xLabels: windowLabels, yLabel: "mean NLL (lower is better)", yRange: nil, references: [])
        for (index, entry) in series.enumerated() { chart.add(entry, colorIndex: index, dashed: false, suffix: "") }
        return chart.render()
    }

    /// A PIT histogram: bars of the fractions per bin with the uniform level 1/bins as a reference line.
    public static func pitHistogram(fractions: [Double], title: String = "PIT histogram") -> String {
        let bins = max(1, fractions.count)
        let top = max(1.5 / Double(bins), (fractions.filter(\.isFinite).max() ?? 0) * 1.05)
        let frame = Frame(title: title, yLabel: "fraction of targets", yRange: niceRange(0...top))
        var svg = frame.header()
        let slot = frame.plotWidth / Double(bins)
        for (bin, fraction) in fractions.enumerated() where fraction.isFinite {
            let x = frame.left + Double(bin) * slot + 1, y = frame.y(fraction)
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(slot - 2))\" height=\"\(f(frame.y(0) - y))\" fill=\"\(palette[0])\" fill-opacity=\"0.75\"/>\n"
        }
        for k in 0...bins where bins <= 20 {
            let x = frame.left + Double(k) * slot
            svg += "<text x=\"\(f(x))\" y=\"\(f(frame.y(0) + 16))\" font-size=\"11\" fill=\"#666\" text-anchor=\"middle\">\(Self.number(Double(k) / Double(bins)))</text>\n"
        }
        svg += frame.reference(1 / Double(bins), label: "uniform")
        return svg + "</svg>\n"
    }

    // MARK: drawing

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func number(_ x: Double) -> String {
        let text = String(format: "%.3f", x)
        var trimmed = text
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// "Nice" step (1, 2, 2.5 or 5 × 10^k) giving about four intervals over `range`.
    static func niceStep(_ range: ClosedRange<Double>) -> Double {
        let raw = max(range.upperBound - range.lowerBound, 1e-12) / 4
        let magnitude = pow(10, floor(log10(raw)))
        return [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? 10 * magnitude
    }

    /// `range` widened to multiples of its nice step.
    static func niceRange(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let step = niceStep(range)
        return (floor(range.lowerBound / step + 1e-9) * step)...(ceil(range.upperBound / step - 1e-9) * step)
    }

    /// Multiples of the nice step inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let step = niceStep(range)
        var value = ceil(range.lowerBound / step - 1e-9) * step
        var out: [Double] = []
        while value <= range.upperBound + step * 1e-9 && out.count < 20 {
            out.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return out
    }

    /// Plot area, value axis with nice ticks, title.
    struct Frame {
        let title: String
        let yLabel: String
        let yRange: ClosedRange<Double>
        let width = 760.0, height = 420.0, left = 70.0, right = 170.0, top = 44.0, bottom = 56.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }

        func y(_ value: Double) -> Double {
            let span = max(yRange.upperBound - yRange.lowerBound, 1e-12)
            return top + (yRange.upperBound - value) / span * plotHeight
        }

        func header() -> String {
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
            svg += "<text x=\"\(f(left))\" y=\"26\" font-size=\"16\" font-weight=\"600\" fill=\"#222\">\(escape(title))</text>\n"
            svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
            for value in EvaluationPlots.ticks(yRange) {
                svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(value)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(value)))\" stroke=\"#e6e6e6\"/>\n"
                svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" font-size=\"11\" fill=\"#666\" text-anchor=\"end\">\(number(value))</text>\n"
            }
            svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" font-size=\"12\" fill=\"#444\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
            return svg
        }

        func reference(_ value: Double, label: String) -> String {
            "<line x1=\"\(f(left))\" y1=\"\(f(y(value)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(value)))\" stroke=\"#888\" stroke-dasharray=\"2 3\"/>\n"
                + "<text x=\"\(f(left + plotWidth - 6))\" y=\"\(f(y(value) - 5))\" font-size=\"11\" fill=\"#666\" text-anchor=\"end\">\(escape(label))</text>\n"
        }
    }

    /// Lines over categorical x positions with a legend on the right.
    struct LineChart {
        let title: String
        let xLabels: [String]
        let yLabel: String
        let yRange: ClosedRange<Double>?
        let references: [(Double, String)]
        private var lines: [(name: String, values: [Double], color: String, dashed: Bool)] = []

        init(title: String, xLabels: [String], yLabel: String, yRange: ClosedRange<Double>?, references: [(Double, String)]) {
            self.title = title
            self.xLabels = xLabels
            self.yLabel = yLabel
            self.yRange = yRange
            self.references = references
        }

        mutating func add(_ series: PlotSeries, colorIndex: Int, dashed: Bool, suffix: String) {
            lines.append((series.name + suffix, series.values, palette[colorIndex % palette.count], dashed))
        }

        func render() -> String {
            let finite = lines.flatMap(\.values).filter(\.isFinite)
            var range = yRange ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
            if range.upperBound - range.lowerBound < 1e-12 { range = (range.lowerBound - 0.5)...(range.upperBound + 0.5) }
            if yRange == nil { range = niceRange(range) }
            let frame = Frame(title: title, yLabel: yLabel, yRange: range)
            var svg = frame.header()
            let count = max(1, xLabels.count)
            func x(_ i: Int) -> Double { frame.left + (Double(i) + 0.5) / Double(count) * frame.plotWidth }
            let every = max(1, count / 10)
            for (i, label) in xLabels.enumerated() where i % every == 0 {
                svg += "<text x=\"\(f(x(i)))\" y=\"\(f(frame.y(range.lowerBound) + 16))\" font-size=\"11\" fill=\"#666\" text-anchor=\"middle\">\(escape(label))</text>\n"
            }
            for (value, label) in references { svg += frame.reference(value, label: label) }
            for (index, line) in lines.enumerated() {
                var path = ""
                for (i, value) in line.values.enumerated() {
                    guard value.isFinite else { path += " "; continue }
                    path += (path.isEmpty || path.hasSuffix(" ") ? "M" : "L") + "\(f(x(i))),\(f(frame.y(value)))"
                    svg += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(frame.y(value)))\" r=\"2.5\" fill=\"\(line.color)\"/>\n"
                }
                let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
                svg += "<path d=\"\(path.trimmingCharacters(in: .whitespaces))\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.8\"\(dash)/>\n"
                let legendY = frame.top + 14 + Double(index) * 18
                let legendX = frame.left + frame.plotWidth + 12
                svg += "<line x1=\"\(f(legendX))\" y1=\"\(f(legendY))\" x2=\"\(f(legendX + 20))\" y2=\"\(f(legendY))\" stroke=\"\(line.color)\" stroke-width=\"2.4\"\(dash)/>\n"
                svg += "<text x=\"\(f(legendX + 26))\" y=\"\(f(legendY + 4))\" font-size=\"11.5\" fill=\"#333\">\(escape(line.name))</text>\n"
            }
            return svg + "</svg>\n"
        }
    }
}
