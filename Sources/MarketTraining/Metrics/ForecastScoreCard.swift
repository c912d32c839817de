// Every evaluation metric of one set of Gaussian forecasts at once (a row of walkforward_<K>.csv).

/// The metrics of issue 6 for one forecaster on one set of targets (one window, horizon step,
/// category, or everything pooled). See `GaussianScores` and `PointScores` for the formulas.
public struct ForecastScoreCard: Codable, Equatable, Sendable {
    /// Valid targets scored.
    public var count: Int
    /// Mean Gaussian negative log-likelihood (nats).
    public var nll: Double
    /// Mean closed-form Gaussian CRPS (target units).
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

    /// Scores `mean`/`variance` forecasts of `target` (flat, equal lengths); `dateIDs` (same length)
    /// groups entries by date for the rank IC, omitted → rank IC is NaN.
    public init<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], dateIDs: [Int]? = nil) {
        count = GaussianScores.validCount(target: target, mean: mean, variance: variance)
        nll = GaussianScores.negativeLogLikelihood(target: target, mean: mean, variance: variance)
        crps = GaussianScores.crps(target: target, mean: mean, variance: variance)
        coverage50 = GaussianScores.coverage(target: target, mean: mean, variance: variance, level: 0.5)
        coverage90 = GaussianScores.coverage(target: target, mean: mean, variance: variance, level: 0.9)
        pitHistogram = GaussianScores.pitHistogram(target: target, mean: mean, variance: variance, bins: 10)
        directionalAccuracy = PointScores.directionalAccuracy(target: target, mean: mean)
        rankIC = dateIDs.map { PointScores.meanRankIC(target: target, mean: mean, dateIDs: $0) } ?? .nan
        rmse = PointScores.rootMeanSquaredError(target: target, mean: mean)
    }

    /// The scalar metrics by CSV column stem (`nll`, `crps`, `coverage50`, `coverage90`,
    /// `directional_accuracy`, `rank_ic`, `rmse`), for columns like `nll_model`, `nll_garch`.
    public var columns: [(name: String, value: Double)] {
        [("nll", nll), ("crps", crps), ("coverage50", coverage50), ("coverage90", coverage90),
         ("directional_accuracy", directionalAccuracy), ("rank_ic", rankIC), ("rmse", rmse)]
    }
}
