// Fitting a PredictiveCalibration on held-out forecast rows, and applying it to ForecastRows.
import Foundation
import MarketData
import MarketModel

/// Which post-hoc recalibration `PredictiveCalibration.fit` applies (config `calibration_method`).
public enum CalibrationMethod: String, Codable, Sendable, CaseIterable {
    /// A scale factor per category and step (minimum NLL).
    case varianceScale = "variance_scale"
    /// A PIT quantile map per category and step (`PITMap.fitted`).
    case quantileMap = "quantile_map"
    /// Per category, the one of the two with the lower NLL on the validation rows held out from its fit (default).
    case selected
}

extension PredictiveCalibration {
    /// Fits, per (category, step) of `rows` (categories named by `categoryNames[id]`), a scale factor c minimising
    /// the mean NLL (golden-section search on ln c over `bounds`) and a quantile map (the empirical CDF of the PIT
    /// values of the laws scaled by c, `PITMap.fitted`; applied after the scale). A (category, step) with fewer than `minimumTargets` scored targets keeps
    /// c = 1 and no map. `method` decides what is applied per category; `.selected` compares the two on held-out
    /// validation rows: the category's rows are cut by origin date into an earlier and a later half, each method
    /// is fitted on one half and scored on the other (both ways), and the lower held-out mean NLL wins (the scale
    /// on a tie or when a half is too small); the winner is then fitted on all rows. Rows are only ever the ones
    /// handed in (the validation period); nothing else is read.
    public static func fit(_ rows: ForecastRows, categoryNames: [String], fittedOn: String, minimumTargets: Int = 200,
                           method: CalibrationMethod = .selected) -> PredictiveCalibration {
        let h = rows.horizon
        var factors: [String: [Double]] = [:], counts: [String: Int] = [:], maps: [String: [PITMap?]] = [:]
        var methods: [String: String] = [:], selection: [String: CalibrationComparison] = [:]
        for category in Set(rows.categories).sorted() where category < categoryNames.count {
            let name = categoryNames[category]
            var perStep = [Double](repeating: 1, count: h), stepMaps = [PITMap?](repeating: nil, count: h)
            var total = 0
            let days = (0..<rows.count).filter { rows.categories[$0] == category }.map { rows.days[$0] }.sorted()
            let median = days.isEmpty ? 0 : days[days.count / 2]
            var heldOut = (scale: HeldOutTally(), map: HeldOutTally())
            for step in 0..<h {
                var laws: [PredictiveLaw] = [], targets: [Double] = [], later: [Bool] = []
                for s in 0..<rows.count where rows.categories[s] == category {
                    let k = s * h + step
                    guard rows.targets[k].isFinite, rows.model.isValid(k) else { continue }
                    laws.append(rows.model[k]); targets.append(rows.targets[k]); later.append(rows.days[s] >= median)
                }
                total += targets.count
                guard targets.count >= minimumTargets else { continue }
                let c = bestFactor(laws: laws, targets: targets)
                perStep[step] = c
                stepMaps[step] = PITMap.fitted(pit: zip(laws, targets).map { $0.scaled(by: c).cdf($1) })
                guard method == .selected else { continue }
                let halves = [later.indices.filter { !later[$0] }, later.indices.filter { later[$0] }]
                guard halves.allSatisfy({ $0.count >= minimumTargets / 2 }) else { heldOut.scale.tooSmall = true; continue }
                for (fitHalf, scoreHalf) in [(halves[0], halves[1]), (halves[1], halves[0])] {
                    let c = bestFactor(laws: fitHalf.map { laws[$0] }, targets: fitHalf.map { targets[$0] })
                    let map = PITMap.fitted(pit: fitHalf.map { laws[$0].scaled(by: c).cdf(targets[$0]) })
                    for i in scoreHalf {
                        let scaled = laws[i].scaled(by: c)
                        let nll = scaled.negativeLogLikelihood(targets[i]), pit = scaled.cdf(targets[i])
                        heldOut.scale.add(nll: nll, pit: pit)
                        if let map { heldOut.map.add(nll: nll - log(map.slope(pit)), pit: map.map(pit)) } else { heldOut.map.add(nll: nll, pit: pit) }
                    }
                }
            }
            factors[name] = perStep
            maps[name] = stepMaps
            counts[name] = total
            switch method {
            case .varianceScale: methods[name] = varianceScaleMethod
            case .quantileMap: methods[name] = quantileMapMethod
            case .selected:
                if heldOut.scale.count > 0 && !heldOut.scale.tooSmall {
                    selection[name] = CalibrationComparison(varianceScale: heldOut.scale.scores, quantileMap: heldOut.map.scores)
                }
                let mapWins = !heldOut.scale.tooSmall && heldOut.scale.count > 0 && heldOut.map.scores.nll < heldOut.scale.scores.nll
                methods[name] = mapWins ? quantileMapMethod : varianceScaleMethod
            }
        }
        var calibration = PredictiveCalibration(fittedOn: fittedOn, factors: factors, targets: counts)
        calibration.method = method.rawValue
        calibration.maps = maps
        calibration.methods = methods
        calibration.selection = selection.isEmpty ? nil : selection
        return calibration
    }

    /// Running sums of held-out NLL and interval hits.
    struct HeldOutTally {
        var nll = 0.0, inside50 = 0, inside90 = 0, count = 0
        var tooSmall = false
        mutating func add(nll value: Double, pit: Double) {
            nll += value; count += 1
            if abs(pit - 0.5) <= 0.25 { inside50 += 1 }
            if abs(pit - 0.5) <= 0.45 { inside90 += 1 }
        }
        var scores: HeldOutScores {
            let n = Double(max(count, 1))
            return HeldOutScores(nll: nll / n, coverage50: Double(inside50) / n, coverage90: Double(inside90) / n, targets: count)
        }
    }

    /// argmin_c mean −ln p(y | law with scales × c), golden section on ln c.
    static func bestFactor(laws: [PredictiveLaw], targets: [Double]) -> Double {
        func loss(_ logFactor: Double) -> Double {
            let c = exp(logFactor)
            var sum = 0.0
            for (law, y) in zip(laws, targets) { sum += law.scaled(by: c).negativeLogLikelihood(y) }
            return sum / Double(targets.count)
        }
        return minimisingFactor(loss)
    }

    /// exp of the argmin of `loss(ln c)` over ln c in ln `bounds`: golden-section search to a bracket of 1e-4, its midpoint.
    /// The one minimiser behind every fitted scale factor (`bestFactor`, `RollingCalibration`).
    static func minimisingFactor(_ loss: (Double) -> Double) -> Double {
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

    /// `rows` with the model's laws recalibrated per row's category and step (`apply`): scales multiplied by the
    /// factor, or the quantile map set.
    public func applied(to rows: ForecastRows, categoryNames: [String]) -> ForecastRows {
        var out = rows
        let h = rows.horizon
        var multipliers = [Double](repeating: 1, count: rows.count * h)
        var pitMaps = [PITMap?](repeating: nil, count: rows.count * h)
        for s in 0..<rows.count where rows.categories[s] < categoryNames.count {
            let name = categoryNames[rows.categories[s]]
            for step in 0..<h {
                multipliers[s * h + step] = factor(category: name, step: step)
                pitMaps[s * h + step] = map(category: name, step: step)
            }
        }
        out.model = rows.model.scaled(by: multipliers).mapped(by: pitMaps)
        return out
    }

    /// This calibration with every fitted category forced to `method` (e.g. to score both methods on a test period
    /// for the report; the choice itself is `methods`, made on validation rows).
    public func forcing(_ method: CalibrationMethod) -> PredictiveCalibration {
        guard method != .selected else { return self }
        var out = self
        out.methods = Dictionary(uniqueKeysWithValues: factors.keys.map { ($0, method.rawValue) })
        return out
    }

}
