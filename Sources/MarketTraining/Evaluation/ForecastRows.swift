// ForecastRows: the scored targets of one evaluation (origins × H) with the model's and the baselines' predictive laws on exactly them.
import MarketData
import MarketSupport

/// S forecast origins (asset, bar) and their H one-day log-return targets, with the model's predictive
/// laws and each baseline's on the same (S, H) grid. A target is NaN (excluded for every forecaster
/// alike) when it is synthetic, lies at or beyond the evaluation's limit bar, or any forecaster has no
/// valid law for it — so all forecasters are scored on exactly the same targets.
public struct ForecastRows: Sendable, Codable {
    /// H.
    public let horizon: Int
    /// (S) store asset index, origin bar, origin day and category id.
    public var assets: [Int] = [], origins: [Int] = [], days: [DayNumber] = [], categories: [Int] = []
    /// (S, H) realised log returns r_{t+1…t+H} (NaN = not scored).
    public var targets: [Double] = []
    /// (S, H) the model's predictive laws (Gaussian or Student-t head; a mixture for MC/ensembles).
    public var model: ForecastLaws
    /// (S, H) baseline laws (mean 0).
    public var baselines: [VarianceBaseline: ForecastLaws] = [:]

    /// Empty rows; `modelMembers` is M of the model's laws (1 for a single `.eval` pass), `modelGroups` the
    /// ensemble members among them (M/G MC passes each).
    public init(horizon: Int, modelMembers: Int = 1, modelGroups: Int = 1) {
        self.horizon = horizon
        model = ForecastLaws(members: modelMembers, groups: modelGroups)
    }

    /// S, the number of origins.
    public var count: Int { origins.count }

    /// (S, H) model predictive means and variances (moments of its laws).
    public var modelMean: [Double] { model.means }
    public var modelVariance: [Double] { model.variances }

    /// Appends `other` (same H, same model M, same baselines).
    public mutating func append(_ other: ForecastRows) {
        precondition(other.horizon == horizon, "ForecastRows.append: H \(other.horizon) vs \(horizon)")
        // Empty rows take the model's mixture shape (M, G) of the first rows appended.
        if count == 0 && model.count == 0 { model = ForecastLaws(members: other.model.members, groups: other.model.groups) }
        assets += other.assets; origins += other.origins; days += other.days; categories += other.categories
        targets += other.targets
        model.append(contentsOf: other.model)
        for (baseline, laws) in other.baselines { baselines[baseline, default: ForecastLaws(members: laws.members)].append(contentsOf: laws) }
    }

    /// Targets still scored (finite).
    public var scoredTargetCount: Int { targets.reduce(0) { $0 + ($1.isFinite ? 1 : 0) } }

    /// Sets to NaN every target some forecaster cannot score (a law with a non-finite location or scale).
    public mutating func maskCommonTargets() {
        for k in targets.indices where targets[k].isFinite {
            var ok = model.isValid(k)
            for laws in baselines.values where !laws.isValid(k) { ok = false }
            if !ok { targets[k] = .nan }
        }
    }

    /// The forecasters in report order: `model` then the baselines (`rw`, `ewma`, `garch`, `garch_t`).
    public var forecasterNames: [String] { ["model"] + VarianceBaseline.allCases.filter { baselines[$0] != nil }.map(\.rawValue) }

    /// (S, H) laws of forecaster `name` (`model` or a baseline's raw value).
    public func laws(_ name: String) -> ForecastLaws {
        if name == "model" { return model }
        guard let baseline = VarianceBaseline(rawValue: name), let laws = baselines[baseline] else {
            preconditionFailure("ForecastRows: no forecaster '\(name)'")
        }
        return laws
    }

    /// The rows whose origin satisfies `keep` (e.g. one category).
    public func filtered(_ keep: (_ row: Int) -> Bool) -> ForecastRows {
        var out = ForecastRows(horizon: horizon, modelMembers: model.members, modelGroups: model.groups)
        let h = horizon
        var kept: [Int] = []
        for s in 0..<count where keep(s) {
            out.assets.append(assets[s]); out.origins.append(origins[s]); out.days.append(days[s]); out.categories.append(categories[s])
            out.targets += targets[(s * h)..<((s + 1) * h)]
            kept += (s * h)..<((s + 1) * h)
        }
        out.model = model.gathered(kept)
        for (baseline, laws) in baselines { out.baselines[baseline] = laws.gathered(kept) }
        return out
    }
}
