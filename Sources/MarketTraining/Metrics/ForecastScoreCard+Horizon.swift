// Score cards per horizon step of (S, H) forecast arrays.

extension ForecastScoreCard {
    /// One score card per horizon step h = 1…H of flat (S, H) row-major arrays (column h − 1 of each).
    /// `dateIDs` has one entry per row S (the date of the target at step h differs by h days, but
    /// the cross-section of a row's origin date is the same set of targets, so ranking by origin is exact).
    public static func perHorizon<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], horizon: Int,
                                                          dateIDs: [Int]? = nil) -> [ForecastScoreCard] {
        precondition(target.count == mean.count && target.count == variance.count, "target, mean, variance lengths differ")
        return perHorizon(target: target.map(Double.init), laws: .gaussian(mean: mean.map(Double.init), variance: variance.map(Double.init)),
                          horizon: horizon, dateIDs: dateIDs)
    }

    /// One score card per horizon step of (S, H) targets and laws; `scores` (per target, computed once) is
    /// computed here when not given.
    public static func perHorizon(target: [Double], laws: ForecastLaws, horizon: Int, dateIDs: [Int]? = nil,
                                  scores: LawScores? = nil) -> [ForecastScoreCard] {
        precondition(horizon >= 1 && target.count % horizon == 0, "target.count \(target.count) is not a multiple of H = \(horizon)")
        precondition(target.count == laws.count, "target and laws lengths differ")
        let rows = target.count / horizon
        precondition(dateIDs == nil || dateIDs!.count == rows, "one date id per row")
        let all = scores ?? LawScores(target: target, laws: laws)
        return (0..<horizon).map { h in
            let indices = (0..<rows).map { $0 * horizon + h }
            let pick = { (values: [Double]) in indices.map { values[$0] } }
            let column = LawScores(negativeLogLikelihood: pick(all.negativeLogLikelihood), crps: pick(all.crps), pit: pick(all.pit))
            return ForecastScoreCard(target: pick(target), laws: laws.gathered(indices), scores: column, dateIDs: dateIDs)
        }
    }
}
