// Choosing a rolling recalibration (or none) per category on its validation period, like the static methods.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// How the static calibration and each rolling candidate did on the later half of a category's validation period
/// (mean NLL in nats and the central 50 %/90 % interval coverage over the same targets), and what was chosen.
public struct RollingChoice: Codable, Equatable, Sendable {
    /// The chosen rolling calibration (nil: the static calibration did at least as well).
    public var chosen: RollingCalibration?
    /// The static calibration fitted on the earlier half (the configured method), scored on the later half.
    public var staticNLL: Double
    /// `RollingCalibration.name` → its NLL on the later half (events: validation targets realised by each as-of date).
    public var candidates: [String: Double]
    /// Targets scored (the later half).
    public var targets: Int
    /// `"static"` and each `RollingCalibration.name` → its coverage of the central 50 % and 90 % intervals on the later half
    /// (fractions of `targets`; recorded for the report, not used by the choice). Nil in reports written before it existed.
    public var coverage50: [String: Double]?, coverage90: [String: Double]?

    public init(chosen: RollingCalibration?, staticNLL: Double, candidates: [String: Double], targets: Int,
                coverage50: [String: Double]? = nil, coverage90: [String: Double]? = nil) {
        self.chosen = chosen; self.staticNLL = staticNLL; self.candidates = candidates; self.targets = targets
        self.coverage50 = coverage50; self.coverage90 = coverage90
    }

    /// The key of the static calibration in `coverage50` / `coverage90`.
    public static let staticKey = "static"

    enum CodingKeys: String, CodingKey { case chosen, staticNLL = "static_nll", candidates, targets, coverage50 = "coverage_50", coverage90 = "coverage_90" }
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
        /// Mean NLL (∞ when no target has a finite one) and the interval hits of the targets with a finite NLL.
        func heldOut(_ scored: ForecastRows) -> (nll: Double, coverage50: Double, coverage90: Double) {
            var tally = PredictiveCalibration.HeldOutTally()
            for k in scored.targets.indices where scored.targets[k].isFinite && scored.model.isValid(k) {
                let law = scored.model[k], y = scored.targets[k]
                let value = law.negativeLogLikelihood(y)
                if value.isFinite { tally.add(nll: value, pit: law.cdf(y)) }
            }
            guard tally.count > 0 else { return (.infinity, 0, 0) }
            let scores = tally.scores
            return (scores.nll, scores.coverage50, scores.coverage90)
        }
        let fixedScores = heldOut(fixed.applied(to: later, categoryNames: categoryNames))
        var scores: [String: Double] = [:], best: (RollingCalibration, Double)?
        var coverage50 = [RollingChoice.staticKey: fixedScores.coverage50], coverage90 = [RollingChoice.staticKey: fixedScores.coverage90]
        for candidate in candidates {
            let scored = heldOut(candidate.applied(to: later, category: category, categoryName: categoryNames[category], events: events, fallback: fixed))
            scores[candidate.name] = scored.nll
            coverage50[candidate.name] = scored.coverage50
            coverage90[candidate.name] = scored.coverage90
            if (always || scored.nll < fixedScores.nll) && scored.nll < (best?.1 ?? .infinity) { best = (candidate, scored.nll) }
        }
        return RollingChoice(chosen: best?.0, staticNLL: fixedScores.nll, candidates: scores, targets: later.scoredTargetCount,
                             coverage50: coverage50, coverage90: coverage90)
    }
}
