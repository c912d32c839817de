// Correlated scenarios of a whole category (`marketgpt synth --universe U --data D --category K`) as one library
// call: the category's real series from a universe session → joint bootstrap → scenario folders + report.json.
import Foundation
import MarketData
import MarketSupport
import MarketSynthetic

/// Joint scenarios of one category, written as `out/scenario_<i>/<TICKER>.csv` plus `out/report.json`.
public enum CategoryScenarioJob {
    /// What was written: the scenarios, the source they were drawn from and the median pairwise correlation of
    /// the real category (for the caller's summary line).
    public struct Result {
        public var scenarios: [JointScenario]
        public var source: JointBootstrapSource
        public var realMedianCorrelation: Double
        /// Tickers of the category without data (left out of the joint draw).
        public var withoutData: [String]
    }

    /// Draws `options.count` joint scenarios of category `name` from `session`'s real series (rejection on the
    /// joint fidelity) and writes them under `out` atomically (every CSV, then `report.json`). `log` receives
    /// progress lines; `universePath` is recorded in the report as given. Throws `PipelineError` for an unknown category and `SyntheticError` when the category
    /// cannot be bootstrapped (too few common days, no asset with data).
    public static func run(session: UniverseSession, universePath: String, category name: String, options: JointSynthesisOptions,
                           blockLength: Double?, stressQuantile: Double, out: URL,
                           log: (String) -> Void = { _ in }) throws -> Result {
        let universe = session.definition
        guard let categoryID = universe.categories.firstIndex(where: { $0.name == name }) else {
            throw PipelineError("--category: '\(name)' is not a category of \(universePath) (\(universe.categories.map(\.name).joined(separator: ", ")))")
        }
        let members = session.loaded().assets.filter { $0.categoryID == categoryID }
        let assets = members.compactMap { asset in asset.real.map { (ticker: asset.asset.ticker, assetID: asset.assetID, series: $0) } }
        let skipped = members.filter { $0.real == nil }.map(\.asset.ticker)
        let source = try JointBootstrapSource(assets: assets, blockLength: blockLength, stressQuantile: stressQuantile)
        let realMedian = JointBootstrapSource.medianPairwise(source.correlation, count: source.assetCount)
        log("synth: \(name): \(source.assetCount) assets on \(source.dates.count) common days "
            + "(\(CivilDate.isoString(source.dates.first!))…\(CivilDate.isoString(source.dates.last!))), block length "
            + String(format: "%.2f", source.blockLength) + ", median pairwise correlation " + String(format: "%.3f", realMedian)
            + (skipped.isEmpty ? "" : "; without data: \(skipped.joined(separator: ", "))"))
        let started = Date()
        let scenarios = try JointSynthesis.generate(source, options: options)
        var rows: [[String: Any]] = []
        for (i, scenario) in scenarios.enumerated() {
            let folder = out.appendingPathComponent("scenario_\(i)")
            for (ticker, series) in zip(source.tickers, scenario.series) {
                try AtomicFile.write(OHLCVCSV.text(series, prices: .significant8), to: folder.appendingPathComponent("\(ticker).csv"))
            }
            rows.append(["folder": "scenario_\(i)", "candidate": scenario.candidate, "attempts": scenario.attempts,
                         "joint_fidelity": scenario.jointFidelity, "mean_fidelity": scenario.meanFidelity,
                         "correlation_error": scenario.correlationError, "median_correlation": scenario.medianCorrelation,
                         "fidelity": Dictionary(uniqueKeysWithValues: zip(source.tickers, scenario.fidelity)),
                         "portfolio": ["mean_daily_log_return": scenario.portfolioMean, "daily_volatility": scenario.portfolioVolatility,
                                       "max_drawdown": scenario.portfolioMaxDrawdown]])
        }
        let report: [String: Any] = [
            "universe": universePath, "data": session.dataDirectory.path, "category": name, "assets": source.tickers, "without_data": skipped,
            "common_days": source.dates.count, "first_date": CivilDate.isoString(source.dates.first!),
            "last_date": CivilDate.isoString(source.dates.last!), "block_length": source.blockLength, "seed": options.seed,
            "length": options.length ?? source.dayCount, "min_fidelity": options.minimumFidelity, "stress": options.stress,
            "stress_quantile": stressQuantile, "independent": options.independent, "real_median_correlation": realMedian,
            "real_portfolio": portfolio(source), "seconds": Date().timeIntervalSince(started), "scenarios": rows,
            "score": "joint_fidelity = max(0, mean_fidelity − \(Int(JointSynthesis.correlationPenalty)) · correlation_error); correlation_error = mean |ρ_syn − ρ_real| over asset pairs",
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: out.appendingPathComponent("report.json"))
        return Result(scenarios: scenarios, source: source, realMedianCorrelation: realMedian, withoutData: skipped)
    }

    /// Mean daily log return, daily volatility and max drawdown of the real equal-weight category portfolio.
    static func portfolio(_ source: JointBootstrapSource) -> [String: Double] {
        let real = JointSynthesis.portfolioStatistics(source.sources.map(\.logReturn))
        return ["mean_daily_log_return": real.mean, "daily_volatility": real.volatility, "max_drawdown": real.maxDrawdown]
    }
}
