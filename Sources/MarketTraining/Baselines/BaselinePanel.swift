// Baseline variance forecasts for a panel of assets, gathered onto exactly the model's evaluation targets.

import Dispatch

/// The baselines' (N, H) forecasts for every asset of a panel, computed once (GARCH fitted per asset
/// on that asset's training returns, assets in parallel), then gathered for any list of
/// (asset, origin) targets — the same targets the model is scored on.
public struct BaselinePanel: Sendable {
    /// Forecast horizon H.
    public let horizon: Int
    /// `forecasts[baseline][asset]`.
    public let forecasts: [VarianceBaseline: [VarianceForecasts]]

    /// - Parameters:
    ///   - returns: one daily return series per asset (index = day of that series).
    ///   - trainingEnd: per asset, GARCH is fitted on `returns[a][0..<trainingEnd[a]]` (use the start of
    ///     the evaluation window, minus any purge, so the fit never sees evaluated days).
    ///   - baselines: which baselines to compute (default all three).
    public init(returns: [[Double]], trainingEnd: [Int], horizon: Int, baselines: [VarianceBaseline] = VarianceBaseline.allCases) {
        precondition(returns.count == trainingEnd.count, "one trainingEnd per asset")
        self.horizon = horizon
        var table: [VarianceBaseline: [VarianceForecasts]] = [:]
        for baseline in baselines {
            var perAsset = [VarianceForecasts?](repeating: nil, count: returns.count)
            perAsset.withUnsafeMutableBufferPointer { slots in
                let slotsBase = slots.baseAddress!
                DispatchQueue.concurrentPerform(iterations: returns.count) { asset in
                    slotsBase[asset] = baseline.forecasts(returns: returns[asset], trainingEnd: trainingEnd[asset], horizon: horizon)
                }
            }
            table[baseline] = perAsset.map { $0! }
        }
        forecasts = table
    }

    /// The baseline's predictive laws (S, H) on the same targets as `variances` (mean 0; Gaussian, or Student-t
    /// with the asset's fitted ν for GARCH-t); NaN scales where it has no forecast.
    public func laws(_ baseline: VarianceBaseline, assets: [Int], origins: [Int]) -> ForecastLaws {
        guard let table = forecasts[baseline] else { preconditionFailure("baseline \(baseline) was not computed") }
        let variance = variances(baseline, assets: assets, origins: origins)
        let nu = assets.flatMap { [Double](repeating: table[$0].degreesOfFreedom, count: horizon) }
        return .studentT(mean: [Double](repeating: 0, count: variance.count), variance: variance, degreesOfFreedom: nu)
    }

    /// Variances (S, H) for targets whose origin (the last day the model saw) is `origins[s]` of asset
    /// `assets[s]`: row s = the baseline's forecasts of r_{t+1}…r_{t+H}; NaN where it has none.
    public func variances(_ baseline: VarianceBaseline, assets: [Int], origins: [Int]) -> [Double] {
        precondition(assets.count == origins.count, "one origin per asset index")
        guard let table = forecasts[baseline] else { preconditionFailure("baseline \(baseline) was not computed") }
        var out = [Double](repeating: .nan, count: assets.count * horizon)
        for s in assets.indices {
            let f = table[assets[s]]
            guard origins[s] >= 0 && origins[s] < f.origins else { continue }
            for h in 0..<horizon { out[s * horizon + h] = f.values[origins[s] * horizon + h] }
        }
        return out
    }
}
