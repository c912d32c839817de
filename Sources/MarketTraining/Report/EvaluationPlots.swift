// SVG plots of the evaluation report — coverage per horizon, PIT histogram, per-window NLL — drawn with MarketData's SVGChart.

import MarketData
import MarketCharts
import MarketSupport

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
public enum EvaluationPlots {
    /// Colours by series position (model first, then the baselines).
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    static let nominalColor = "#7f7f7f"

    /// Coverage of the central 90% (upper panel) and 50% (lower panel) intervals per horizon step
    /// h = 1…H, one line per forecaster, the nominal level dashed in grey.
    public static func coveragePerHorizon(coverage50: [PlotSeries], coverage90: [PlotSeries],
                                          title: String = "Interval coverage per horizon") -> String {
        let horizon = (coverage50 + coverage90).map(\.values.count).max() ?? 1
        func panel(_ series: [PlotSeries], nominal: Double, label: String) -> SVGChart.Panel {
            var lines = series.enumerated().map { index, entry in
                SVGChart.Series(name: entry.name, values: entry.values, color: palette[index % palette.count])
            }
            lines.append(SVGChart.Series(name: "nominal", values: [Double](repeating: nominal, count: horizon),
                                         color: nominalColor, dashed: true))
            return SVGChart.Panel(label: label, series: lines, format: .percent)
        }
        return SVGChart(title: title, subtitle: "fraction of targets inside the central interval; nominal dashed",
                        x: .numbers((1...max(1, horizon)).map(Double.init), label: "horizon step h (days ahead)"),
                        panels: [panel(coverage90, nominal: 0.9, label: "90% interval"),
                                 panel(coverage50, nominal: 0.5, label: "50% interval")]).render()
    }

    /// Per-window mean NLL of the model and each baseline against the windows' first days.
    public static func nllPerWindow(windowStarts: [DayNumber], series: [PlotSeries],
                                    title: String = "NLL per walk-forward window") -> String {
        let lines = series.enumerated().map { index, entry in
            SVGChart.Series(name: entry.name, values: entry.values, color: palette[index % palette.count])
        }
        return SVGChart(title: title, subtitle: "mean Gaussian negative log-likelihood per target (lower is better)",
                        x: .dates(windowStarts), panels: [SVGChart.Panel(label: "mean NLL", series: lines)]).render()
    }

    /// A PIT histogram drawn as a filled step outline (bin k spans [k/B, (k+1)/B)) with the uniform
    /// level 1/B dashed: flat = calibrated, ∪ = intervals too narrow, ∩ = too wide.
    public static func pitHistogram(fractions: [Double], name: String = "model", title: String = "PIT histogram") -> String {
        let bins = max(1, fractions.count)
        var x: [Double] = [], step: [Double] = []
        for (bin, fraction) in fractions.enumerated() {
            x += [Double(bin) / Double(bins), Double(bin + 1) / Double(bins)]
            step += [fraction, fraction]
        }
        let uniform = [Double](repeating: 1 / Double(bins), count: x.count)
        return SVGChart(title: title, subtitle: "probability integral transform Φ((y − μ)/σ) in \(bins) bins",
                        x: .numbers(x, label: "PIT value"),
                        panels: [SVGChart.Panel(label: "fraction of targets", series: [
                            SVGChart.Series(name: name, values: step, color: palette[0], fill: true),
                            SVGChart.Series(name: "uniform", values: uniform, color: nominalColor, dashed: true),
                        ], format: .percent, baseline: 0)], width: 760, height: 420).render()
    }
}
