// The predictive variance of MC-dropout / deep-ensemble mixtures split into aleatoric, within-model and between-model parts.
import Foundation
import MarketData

/// Mean predictive variance parts over a set of targets (squared target units, i.e. (log return)²):
/// total = aleatoric + within-model (MC-dropout spread of the means inside one ensemble member) +
/// between-model (spread of the members' mean forecasts). With equal passes per member this is the law of
/// total variance of the mixture, so `aleatoric + withinModel + betweenModels` equals the mean mixture variance.
public struct VarianceParts: Codable, Equatable, Sendable {
    /// Mean over targets of the mean member variance (scale² · Var(Z)).
    public var aleatoric: Double
    /// Mean over targets of the mean over models of the variance of that model's MC-pass means (0 for S = 1).
    public var withinModel: Double
    /// Mean over targets of the variance of the models' mean forecasts (0 for one model).
    public var betweenModels: Double
    /// Targets averaged over.
    public var targets: Int
    /// Models (G) and MC passes per model (M/G) of the mixture.
    public var models: Int
    public var passesPerModel: Int

    /// withinModel + betweenModels.
    public var epistemic: Double { withinModel + betweenModels }

    enum CodingKeys: String, CodingKey {
        case aleatoric, withinModel = "within_model", betweenModels = "between_models", targets, models, passesPerModel = "passes_per_model"
    }
}

extension ForecastLaws {
    /// The variance parts of law `i`: (aleatoric, within-model, between-model).
    public func varianceParts(_ i: Int) -> (aleatoric: Double, withinModel: Double, betweenModels: Double) {
        let perGroup = members / groups
        let standard = LawFamily(degreesOfFreedom: degreesOfFreedom[i]).standardVariance
        var aleatoric = 0.0, within = 0.0, sumMeans = 0.0, sumMeansSquared = 0.0
        for g in 0..<groups {
            var sum = 0.0, sumSquared = 0.0
            for p in 0..<perGroup {
                let k = i * members + g * perGroup + p
                sum += locations[k]; sumSquared += locations[k] * locations[k]
                aleatoric += scales[k] * scales[k] * standard
            }
            let mean = sum / Double(perGroup)
            within += max(0, sumSquared / Double(perGroup) - mean * mean)
            sumMeans += mean; sumMeansSquared += mean * mean
        }
        let grandMean = sumMeans / Double(groups)
        return (aleatoric / Double(members), within / Double(groups), max(0, sumMeansSquared / Double(groups) - grandMean * grandMean))
    }

    /// The mean variance parts over the laws whose `targets[i]` is finite (the scored targets).
    public func varianceParts(targets: [Double]) -> VarianceParts {
        precondition(targets.count == count, "ForecastLaws.varianceParts: \(targets.count) targets for \(count) laws")
        var a = 0.0, w = 0.0, b = 0.0, n = 0
        for i in 0..<count where targets[i].isFinite && isValid(i) {
            let parts = varianceParts(i)
            a += parts.aleatoric; w += parts.withinModel; b += parts.betweenModels; n += 1
        }
        let d = Double(max(n, 1))
        return VarianceParts(aleatoric: a / d, withinModel: w / d, betweenModels: b / d, targets: n, models: groups, passesPerModel: members / groups)
    }
}
