// Quickstart stage 5: the baselines scored on the out-of-sample period of the fine-tuned category.
import Foundation
import MarketData
import MarketTraining

extension QuickstartPipeline {
    /// The out-of-sample period of one category: per asset, the index of the first out-of-sample return.
    struct OutOfSample {
        /// First out-of-sample day (the category's last day − `oosYears`).
        var start: DayNumber
        /// Per asset of the category: daily log returns r_j = log(close_{j+1} / close_j) of its filled series.
        var returns: [[Double]]
        /// Per asset: true when return j ends on a synthetic bar (such targets are not scored).
        var syntheticTarget: [[Bool]]
        /// Per asset: index of the first return dated on or after `start`.
        var firstReturn: [Int]
        /// Tickers, in the same order.
        var tickers: [String]
    }

    /// The out-of-sample period (the last `settings.oosYears` of the category) of `category`'s filled series.
    func outOfSample(category: String) throws -> OutOfSample {
        guard let loaded else { throw QuickstartError("evaluation: the universe was not loaded") }
        guard let categoryID = loaded.universe.categories.firstIndex(where: { $0.name == category }) else {
            throw QuickstartError("--category \(category): not a category of the universe (\(loaded.universe.categories.map(\.name).joined(separator: ", ")))")
        }
        let start = loaded.categoryEnd[categoryID] - DayNumber((settings.oosYears * 365.25).rounded())
        var result = OutOfSample(start: start, returns: [], syntheticTarget: [], firstReturn: [], tickers: [])
        for asset in loaded.assets where asset.categoryID == categoryID {
            guard let series = asset.series, series.count > 1 else { continue }
            let closes = series.close
            result.returns.append((1..<closes.count).map { log(closes[$0] / closes[$0 - 1]) })
            result.syntheticTarget.append(Array(series.isSynthetic.dropFirst()))
            result.firstReturn.append((series.lastIndex(onOrBefore: start - 1) ?? 0))
            result.tickers.append(asset.asset.ticker)
        }
        return result
    }

    /// Scores the three baselines (random walk, EWMA, GARCH fitted before the out-of-sample period) on every
    /// real H-step target of the out-of-sample period and writes `runs/<run>/evaluation/baselines_<K>.json`.
    /// - Returns: the score cards by baseline name, and the number of forecast origins.
    func scoreBaselines(category: String, horizon: Int) throws -> (cards: [String: ForecastScoreCard], origins: Int, path: String) {
        let oos = try outOfSample(category: category)
        let panel = BaselinePanel(returns: oos.returns, trainingEnd: oos.firstReturn, horizon: horizon)
        // Origins t (the last return seen) from the one before the period to the last with H returns after it.
        var assets: [Int] = [], origins: [Int] = [], targets: [Double] = []
        for (asset, returns) in oos.returns.enumerated() {
            let first = max(oos.firstReturn[asset] - 1, 0)
            guard returns.count - horizon > first else { continue }
            for origin in first..<(returns.count - horizon) {
                assets.append(asset)
                origins.append(origin)
                for step in 1...horizon {
                    let j = origin + step
                    targets.append(oos.syntheticTarget[asset][j] ? .nan : returns[j])
                }
            }
        }
        var cards: [String: ForecastScoreCard] = [:]
        for baseline in VarianceBaseline.allCases {
            let variance = panel.variances(baseline, assets: assets, origins: origins)
            cards[baseline.rawValue] = ForecastScoreCard(target: targets, mean: [Double](repeating: 0, count: targets.count), variance: variance)
        }
        func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
        let object: [String: Any] = [
            "category": category, "horizon": horizon, "out_of_sample_start": CivilDate.isoString(oos.start),
            "assets": oos.tickers, "origins": origins.count,
            "baselines": cards.mapValues { card in
                Dictionary(uniqueKeysWithValues: card.columns.map { ($0.name, number($0.value)) })
                    .merging(["count": card.count]) { a, _ in a }
            },
            "model": NSNull(),
            "note": "model forecasts not yet available in this build; baselines only",
        ]
        let path = "\(runPath)/evaluation/baselines_\(category).json"
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: url(path))
        return (cards, origins.count, path)
    }
}
