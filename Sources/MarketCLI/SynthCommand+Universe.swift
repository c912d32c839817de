// `marketgpt synth --universe U --data D --category K`: correlated scenarios of a whole category by a joint bootstrap.
import Foundation
import MarketData
import MarketSynthetic
import MarketSupport

extension SynthCommand {
    /// Loads the category's real series, draws `count` joint scenarios (rejection on the joint fidelity)
    /// and writes `DIR/scenario_<i>/<TICKER>.csv` plus `DIR/report.json`.
    func generateUniverse(universePath: String, dataPath: String, category name: String) throws {
        let outURL = URL(fileURLWithPath: out!)
        let universe = try Universe.load(URL(fileURLWithPath: universePath))
        guard let categoryID = universe.categories.firstIndex(where: { $0.name == name }) else {
            throw DataCommandFailure("--category: '\(name)' is not a category of \(universePath) (\(universe.categories.map(\.name).joined(separator: ", ")))")
        }
        let loaded = UniverseLoader.load(universe, dataDirectory: URL(fileURLWithPath: dataPath))
        let members = loaded.assets.filter { $0.categoryID == categoryID }
        let assets = members.compactMap { asset in asset.real.map { (ticker: asset.asset.ticker, assetID: asset.assetID, series: $0) } }
        let skipped = members.filter { $0.real == nil }.map(\.asset.ticker)
        let source: JointBootstrapSource
        do {
            source = try JointBootstrapSource(assets: assets, blockLength: blockLength, stressQuantile: stressQuantile)
        } catch let error as SyntheticError {
            throw DataCommandFailure("synth: category \(name): \(error.description)")
        }
        let realMedian = JointBootstrapSource.medianPairwise(source.correlation, count: source.assetCount)
        log("synth: \(name): \(source.assetCount) assets on \(source.dates.count) common days "
            + "(\(CivilDate.isoString(source.dates.first!))…\(CivilDate.isoString(source.dates.last!))), block length "
            + String(format: "%.2f", source.blockLength) + ", median pairwise correlation " + String(format: "%.3f", realMedian)
            + (skipped.isEmpty ? "" : "; without data: \(skipped.joined(separator: ", "))"))
        let started = Date()
        let options = JointSynthesisOptions(count: count, minimumFidelity: minFidelity ?? JointSynthesisOptions.defaultMinimumFidelity, maxAttempts: maxAttempts,
                                            seed: seed, length: length, stress: stress, independent: independent)
        let scenarios = try JointSynthesis.generate(source, options: options)
        var rows: [[String: Any]] = []
        for (i, scenario) in scenarios.enumerated() {
            let folder = outURL.appendingPathComponent("scenario_\(i)")
            for (ticker, series) in Swift.zip(source.tickers, scenario.series) {
                try AtomicFile.write(OHLCVCSV.text(series, prices: .significant8), to: folder.appendingPathComponent("\(ticker).csv"))
            }
            rows.append(["folder": "scenario_\(i)", "candidate": scenario.candidate, "attempts": scenario.attempts,
                         "joint_fidelity": scenario.jointFidelity, "mean_fidelity": scenario.meanFidelity,
                         "correlation_error": scenario.correlationError, "median_correlation": scenario.medianCorrelation,
                         "fidelity": Dictionary(uniqueKeysWithValues: Swift.zip(source.tickers, scenario.fidelity)),
                         "portfolio": ["mean_daily_log_return": scenario.portfolioMean, "daily_volatility": scenario.portfolioVolatility,
                                       "max_drawdown": scenario.portfolioMaxDrawdown]])
        }
        let report: [String: Any] = [
            "universe": universePath, "data": dataPath, "category": name, "assets": source.tickers, "without_data": skipped,
            "common_days": source.dates.count, "first_date": CivilDate.isoString(source.dates.first!),
            "last_date": CivilDate.isoString(source.dates.last!), "block_length": source.blockLength, "seed": seed,
            "length": length ?? source.dayCount, "min_fidelity": options.minimumFidelity, "stress": stress,
            "stress_quantile": stressQuantile, "independent": independent, "real_median_correlation": realMedian,
            "real_portfolio": Self.portfolio(source), "seconds": Date().timeIntervalSince(started), "scenarios": rows,
            "score": "joint_fidelity = max(0, mean_fidelity − \(Int(JointSynthesis.correlationPenalty)) · correlation_error); correlation_error = mean |ρ_syn − ρ_real| over asset pairs",
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: outURL.appendingPathComponent("report.json"))
        let medians = scenarios.map { String(format: "%.3f", $0.medianCorrelation) }.joined(separator: ", ")
        print("wrote \(scenarios.count) \(stress ? "stress " : "")scenario(s) of \(source.assetCount) \(name) assets to \(outURL.path) "
              + "(median pairwise correlation real \(String(format: "%.3f", realMedian)), synthetic \(medians); joint fidelity "
              + scenarios.map { String(format: "%.1f", $0.jointFidelity) }.joined(separator: ", ") + ")")
    }

    /// Mean daily log return, daily volatility and max drawdown of the real equal-weight category portfolio.
    static func portfolio(_ source: JointBootstrapSource) -> [String: Double] {
        let real = JointSynthesis.portfolioStatistics(source.sources.map(\.logReturn))
        return ["mean_daily_log_return": real.mean, "daily_volatility": real.volatility, "max_drawdown": real.maxDrawdown]
    }
}
