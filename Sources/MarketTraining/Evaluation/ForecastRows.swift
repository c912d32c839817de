// ForecastRows: the scored targets of one evaluation (origins × H) with the model's and the baselines' forecasts on exactly them.
import MarketData

/// S forecast origins (asset, bar) and their H one-day log-return targets, with the model's Gaussian
/// forecasts and each baseline's variance on the same (S, H) grid. A target is NaN (excluded for every
/// forecaster alike) when it is synthetic, lies at or beyond the evaluation's limit bar, or any
/// forecaster has no finite forecast for it — so all forecasters are scored on exactly the same targets.
public struct ForecastRows: Sendable {
    /// H.
    public let horizon: Int
    /// (S) store asset index, origin bar, origin day and category id.
    public var assets: [Int] = [], origins: [Int] = [], days: [DayNumber] = [], categories: [Int] = []
    /// (S, H) realised log returns r_{t+1…t+H} (NaN = not scored).
    public var targets: [Double] = []
    /// (S, H) model predictive mean and variance.
    public var modelMean: [Double] = [], modelVariance: [Double] = []
    /// (S, H) baseline variances (their mean is 0).
    public var baselineVariance: [VarianceBaseline: [Double]] = [:]

    public init(horizon: Int) { self.horizon = horizon }

    /// S, the number of origins.
    public var count: Int { origins.count }

    /// Appends `other` (same H, same baselines).
    public mutating func append(_ other: ForecastRows) {
        precondition(other.horizon == horizon, "ForecastRows.append: H \(other.horizon) vs \(horizon)")
        assets += other.assets; origins += other.origins; days += other.days; categories += other.categories
        targets += other.targets; modelMean += other.modelMean; modelVariance += other.modelVariance
        for (baseline, values) in other.baselineVariance { baselineVariance[baseline, default: []] += values }
    }

    /// Targets still scored (finite).
    public var scoredTargetCount: Int { targets.reduce(0) { $0 + ($1.isFinite ? 1 : 0) } }

    /// Sets to NaN every target some forecaster cannot score (non-finite mean or non-positive variance).
    public mutating func maskCommonTargets() {
        for k in targets.indices where targets[k].isFinite {
            var ok = modelMean[k].isFinite && modelVariance[k].isFinite && modelVariance[k] > 0
            for values in baselineVariance.values where !(values[k].isFinite && values[k] > 0) { ok = false }
            if !ok { targets[k] = .nan }
        }
    }

    /// The forecasters in report order: `model` then the baselines (`rw`, `ewma`, `garch`).
    public var forecasterNames: [String] { ["model"] + VarianceBaseline.allCases.filter { baselineVariance[$0] != nil }.map(\.rawValue) }

    /// (S, H) mean and variance of forecaster `name` (`model` or a baseline's raw value).
    public func forecast(_ name: String) -> (mean: [Double], variance: [Double]) {
        if name == "model" { return (modelMean, modelVariance) }
        guard let baseline = VarianceBaseline(rawValue: name), let variance = baselineVariance[baseline] else {
            preconditionFailure("ForecastRows: no forecaster '\(name)'")
        }
        return ([Double](repeating: 0, count: variance.count), variance)
    }

    /// The rows whose origin satisfies `keep` (e.g. one category).
    public func filtered(_ keep: (_ row: Int) -> Bool) -> ForecastRows {
        var out = ForecastRows(horizon: horizon)
        let h = horizon
        for s in 0..<count where keep(s) {
            out.assets.append(assets[s]); out.origins.append(origins[s]); out.days.append(days[s]); out.categories.append(categories[s])
            out.targets += targets[(s * h)..<((s + 1) * h)]
            out.modelMean += modelMean[(s * h)..<((s + 1) * h)]
            out.modelVariance += modelVariance[(s * h)..<((s + 1) * h)]
            for (baseline, values) in baselineVariance { out.baselineVariance[baseline, default: []] += values[(s * h)..<((s + 1) * h)] }
        }
        return out
    }
}
