// The fine-tuning run's SVG figures, drawn with the monitor's EvaluationPlots (MarketData's SVGChart).
import MarketData
import MarketCharts
import MarketSupport

extension ForecastEvaluation {
    /// Forecasters in plot order (model first, then the baselines).
    var plotNames: [String] { ["model", "rw", "ewma", "garch", "garch_t"].filter { perHorizon[$0] != nil } }

    /// Coverage of the 50% and 90% intervals per horizon step, model and baselines.
    public func coveragePlot(title: String) -> String {
        EvaluationPlots.coveragePerHorizon(
            coverage50: plotNames.map { PlotSeries(name: $0, values: perHorizon[$0]!.map(\.coverage50)) },
            coverage90: plotNames.map { PlotSeries(name: $0, values: perHorizon[$0]!.map(\.coverage90)) }, title: title)
    }

    /// The model's 10-bin PIT histogram.
    public func pitPlot(title: String) -> String {
        EvaluationPlots.pitHistogram(fractions: scores["model"]?.pitHistogram ?? [], name: "model", title: title)
    }
}

extension CategoryWalkForwardResult {
    /// NLL per walk-forward window of the model and each baseline.
    public func windowNLLPlot(title: String) -> String {
        EvaluationPlots.nllPerWindow(windowStarts: windows.map { CivilDate.parseISO($0.start) ?? 0 },
                                     series: ["model", "rw", "ewma", "garch", "garch_t"].map { name in
                                         PlotSeries(name: name, values: windows.map { $0.evaluation.scores[name]?.nll ?? .nan })
                                     }, title: title)
    }
}
