// Score cards per horizon step of (S, H) forecast arrays.

extension ForecastScoreCard {
    /// One score card per horizon step h = 1…H of flat (S, H) row-major arrays (column h − 1 of each).
    /// `dateIDs` has one entry per row S (the date of the target at step h differs by h days, but
    /// the cross-section of a row's origin date is the same set of targets, so ranking by origin is exact).
    public static func perHorizon<T: BinaryFloatingPoint>(target: [T], mean: [T], variance: [T], horizon: Int,
                                                          dateIDs: [Int]? = nil) -> [ForecastScoreCard] {
        precondition(horizon >= 1 && target.count % horizon == 0, "target.count \(target.count) is not a multiple of H = \(horizon)")
        precondition(target.count == mean.count && target.count == variance.count, "target, mean, variance lengths differ")
        let rows = target.count / horizon
        precondition(dateIDs == nil || dateIDs!.count == rows, "one date id per row")
        return (0..<horizon).map { h in
            let column = { (values: [T]) in (0..<rows).map { values[$0 * horizon + h] } }
            return ForecastScoreCard(target: column(target), mean: column(mean), variance: column(variance), dateIDs: dateIDs)
        }
    }
}
