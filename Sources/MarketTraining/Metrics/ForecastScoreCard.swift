// Every evaluation metric of one set of forecasts (any predictive law) at once (a row of walkforward_<K>.csv).

/// The metrics of issue 6 for one forecaster on one set of targets (one window, horizon step,
/// category, or everything pooled). See `GaussianScores` and `PointScores` for the formulas.
public struct ForecastScoreCard: Codable, Equatable, Sendable {
    /// Valid targets scored.
    public var count: Int
    /// Mean negative log-likelihood under the forecast's own law (nats).
    public var nll: Double
    /// Mean CRPS under the forecast's own law (target units).
    public var crps: Double
    /// Coverage of the central 50% interval (nominal 0.5).
    public var coverage50: Double
    /// Coverage of the central 90% interval (nominal 0.9).
    public var coverage90: Double
    /// PIT histogram, 10 bins, fractions (nominal 0.1 each).
    public var pitHistogram: [Double]
    /// Sign hit rate of the mean (NaN for a zero-mean forecaster).
    public var directionalAccuracy: Double
    /// Daily cross-sectional Spearman IC, averaged over dates (NaN without date ids or a constant mean).
    public var rankIC: Double
    /// RMSE of the mean.
    public var rmse: Double

    /// Scores Gaussian `mean`/`variance` forecasts of `target` (flat, equal lengths); `dateIDs` (same length)
    /// groups entries by date for the rank IC, omitted → rank IC is NaN.
    public init<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], dateIDs: [Int]? = nil) {
        self.init(target: target.map(Double.init), laws: .gaussian(mean: mean.map(Double.init), variance: variance.map(Double.init)), dateIDs: dateIDs)
    }

    /// Scores the predictive `laws` of `target` with their own law (NLL, CRPS, coverage and PIT from
    /// `LawScores`; point scores from the law means).
    public init(target: [Double], laws: ForecastLaws, dateIDs: [Int]? = nil) {
        self.init(target: target, laws: laws, scores: LawScores(target: target, laws: laws), dateIDs: dateIDs)
    }

    /// As above with the per-target scores already computed.
    public init(target: [Double], laws: ForecastLaws, scores: LawScores, dateIDs: [Int]? = nil) {
        count = scores.validCount
        nll = LawScores.meanOverValid(scores.negativeLogLikelihood)
        crps = LawScores.meanOverValid(scores.crps)
        coverage50 = scores.coverage(level: 0.5)
        coverage90 = scores.coverage(level: 0.9)
        pitHistogram = scores.pitHistogram(bins: 10)
        // Point scores only where the law scored (a NaN target marks the rest).
        let scoredTarget = zip(target, scores.pit).map { $1.isNaN ? Double.nan : $0 }
        let mean = laws.means
        directionalAccuracy = PointScores.directionalAccuracy(target: scoredTarget, mean: mean)
        rankIC = dateIDs.map { PointScores.meanRankIC(target: scoredTarget, mean: mean, dateIDs: $0) } ?? .nan
        rmse = PointScores.rootMeanSquaredError(target: scoredTarget, mean: mean)
    }

    /// The scalar metrics by CSV column stem (`nll`, `crps`, `coverage50`, `coverage90`,
    /// `directional_accuracy`, `rank_ic`, `rmse`), for columns like `nll_model`, `nll_garch`.
    public var columns: [(name: String, value: Double)] {
        [("nll", nll), ("crps", crps), ("coverage50", coverage50), ("coverage90", coverage90),
         ("directional_accuracy", directionalAccuracy), ("rank_ic", rankIC), ("rmse", rmse)]
    }
}
