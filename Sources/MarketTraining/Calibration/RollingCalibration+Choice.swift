// Choosing a rolling recalibration (or none) per category on its validation period, like the static methods.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// How the static calibration and each rolling candidate did on the later half of a category's validation period
/// (mean NLL in nats over the same targets), and what was chosen.
public struct RollingChoice: Codable, Equatable, Sendable {
    /// The chosen rolling calibration (nil: the static calibration did at least as well).
    public var chosen: RollingCalibration?
    /// The static calibration fitted on the earlier half (the configured method), scored on the later half.
    public var staticNLL: Double
    /// `RollingCalibration.name` → its NLL on the later half (events: validation targets realised by each as-of date).
    public var candidates: [String: Double]
    /// Targets scored (the later half).
    public var targets: Int

    enum CodingKeys: String, CodingKey { case chosen, staticNLL = "static_nll", candidates, targets }
}

extension RollingCalibration {
    /// Chooses for category `category` on its validation rows `rows` (`targetDays` from `ForecastRows.targetDays`): the rows
    /// are cut by origin day at the median (as `PredictiveCalibration.fit` does); the static calibration (`method`) is fitted
    /// on the earlier half and each of `candidates` is applied causally (events: the validation targets realised by each
    /// as-of date; fallback: that static calibration); all are scored on the later half, and a rolling candidate is chosen
    /// only when its mean NLL is strictly lower than the static one's (the first of equal candidates wins); with `always`,
    /// the candidate with the lowest NLL is chosen whatever the static one scored. Nothing outside `rows` is read.
    public static func choose(validation rows: ForecastRows, targetDays: [DayNumber], category: Int, categoryNames: [String],
                              method: CalibrationMethod, always: Bool = false, minimumTargets: Int = 200,
                              candidates: [RollingCalibration] = RollingCalibration.candidates) -> RollingChoice? {
        let h = rows.horizon
        let mine = (0..<rows.count).filter { rows.categories[$0] == category }
        guard !mine.isEmpty, category < categoryNames.count else { return nil }
        let days = mine.map { rows.days[$0] }.sorted()
        let median = days[days.count / 2]
        let earlier = rows.filtered { rows.categories[$0] == category && rows.days[$0] < median }
        let later = rows.filtered { rows.categories[$0] == category && rows.days[$0] >= median }
        guard later.scoredTargetCount >= minimumTargets / 2, earlier.scoredTargetCount >= minimumTargets / 2 else { return nil }
        let fixed = PredictiveCalibration.fit(earlier, categoryNames: categoryNames, fittedOn: "earlier half of the validation period",
                                              minimumTargets: minimumTargets / 2, method: method)
        let events = Events([(rows, targetDays)], category: category, horizon: h)
        func meanNLL(_ scored: ForecastRows) -> Double {
            var sum = 0.0, n = 0
            for k in scored.targets.indices where scored.targets[k].isFinite && scored.model.isValid(k) {
                let value = scored.model[k].negativeLogLikelihood(scored.targets[k])
                if value.isFinite { sum += value; n += 1 }
            }
            return n > 0 ? sum / Double(n) : .infinity
        }
        let staticNLL = meanNLL(fixed.applied(to: later, categoryNames: categoryNames))
        var scores: [String: Double] = [:], best: (RollingCalibration, Double)?
        for candidate in candidates {
            let nll = meanNLL(candidate.applied(to: later, category: category, categoryName: categoryNames[category], events: events, fallback: fixed))
            scores[candidate.name] = nll
            if (always || nll < staticNLL) && nll < (best?.1 ?? .infinity) { best = (candidate, nll) }
        }
        return RollingChoice(chosen: best?.0, staticNLL: staticNLL, candidates: scores, targets: later.scoredTargetCount)
    }
}
