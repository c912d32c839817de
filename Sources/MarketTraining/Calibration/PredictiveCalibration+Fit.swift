// Fitting a PredictiveCalibration on held-out forecast rows, and applying it to ForecastRows.
import Foundation
import MarketData
import MarketModel

extension PredictiveCalibration {
    /// The smallest and largest factor considered (a factor at a bound is reported as it is).
    public static let bounds: ClosedRange<Double> = 0.25...4

    /// Fits one factor per (category, step) of `rows` (categories named by `categoryNames[id]`) minimising
    /// the mean NLL by golden-section search on ln c over `bounds`. A (category, step) with fewer than
    /// `minimumTargets` scored targets keeps c = 1.
    public static func fit(_ rows: ForecastRows, categoryNames: [String], fittedOn: String, minimumTargets: Int = 200) -> PredictiveCalibration {
        let h = rows.horizon
        var factors: [String: [Double]] = [:], counts: [String: Int] = [:]
        for category in Set(rows.categories).sorted() where category < categoryNames.count {
            let name = categoryNames[category]
            var perStep = [Double](repeating: 1, count: h)
            var total = 0
            for step in 0..<h {
                var laws: [PredictiveLaw] = [], targets: [Double] = []
                for s in 0..<rows.count where rows.categories[s] == category {
                    let k = s * h + step
                    guard rows.targets[k].isFinite, rows.model.isValid(k) else { continue }
                    laws.append(rows.model[k]); targets.append(rows.targets[k])
                }
                total += targets.count
                guard targets.count >= minimumTargets else { continue }
                perStep[step] = bestFactor(laws: laws, targets: targets)
            }
            factors[name] = perStep
            counts[name] = total
        }
        return PredictiveCalibration(fittedOn: fittedOn, factors: factors, targets: counts)
    }

    /// argmin_c mean −ln p(y | law with scales × c), golden section on ln c.
    static func bestFactor(laws: [PredictiveLaw], targets: [Double]) -> Double {
        func loss(_ logFactor: Double) -> Double {
            let c = exp(logFactor)
            var sum = 0.0
            for (law, y) in zip(laws, targets) { sum += law.scaled(by: c).negativeLogLikelihood(y) }
            return sum / Double(targets.count)
        }
        var a = log(bounds.lowerBound), b = log(bounds.upperBound)
        let ratio = (5.0.squareRoot() - 1) / 2
        var x1 = b - ratio * (b - a), x2 = a + ratio * (b - a)
        var f1 = loss(x1), f2 = loss(x2)
        while b - a > 1e-4 {
            if f1 <= f2 { b = x2; x2 = x1; f2 = f1; x1 = b - ratio * (b - a); f1 = loss(x1) }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + ratio * (b - a); f2 = loss(x2) }
        }
        return exp(0.5 * (a + b))
    }

    /// `rows` with the model's scales multiplied by the factor of each row's category and step.
    public func applied(to rows: ForecastRows, categoryNames: [String]) -> ForecastRows {
        var out = rows
        let h = rows.horizon
        var multipliers = [Double](repeating: 1, count: rows.count * h)
        for s in 0..<rows.count where rows.categories[s] < categoryNames.count {
            for step in 0..<h { multipliers[s * h + step] = factor(category: categoryNames[rows.categories[s]], step: step) }
        }
        out.model = rows.model.scaled(by: multipliers)
        return out
    }

}
