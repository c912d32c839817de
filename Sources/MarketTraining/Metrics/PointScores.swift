// Scores of the predictive mean alone: RMSE, directional accuracy, daily cross-sectional rank IC.

import Foundation

/// Scores of point forecasts (the predictive mean) on flat parallel arrays; entries with a
/// non-finite target or mean are skipped; with nothing left the result is NaN.
public enum PointScores {
    /// √(mean (y − μ)²).
    public static func rootMeanSquaredError<T: BinaryFloatingPoint>(target: [T], mean: [T]) -> Double {
        precondition(target.count == mean.count, "target and mean lengths differ")
        var sum = 0.0, count = 0
        for i in target.indices {
            let y = Double(target[i]), mu = Double(mean[i])
            guard y.isFinite, mu.isFinite else { continue }
            sum += (y - mu) * (y - mu)
            count += 1
        }
        return count > 0 ? (sum / Double(count)).squareRoot() : .nan
    }

    /// Fraction of targets whose sign the mean got right, over entries where both y ≠ 0 and μ ≠ 0
    /// (a zero forecast, like the random walk's, makes no call and gives NaN).
    public static func directionalAccuracy<T: BinaryFloatingPoint>(target: [T], mean: [T]) -> Double {
        precondition(target.count == mean.count, "target and mean lengths differ")
        var hits = 0, calls = 0
        for i in target.indices {
            let y = Double(target[i]), mu = Double(mean[i])
            guard y.isFinite, mu.isFinite, y != 0, mu != 0 else { continue }
            calls += 1
            if (y > 0) == (mu > 0) { hits += 1 }
        }
        return calls > 0 ? Double(hits) / Double(calls) : .nan
    }

    /// The daily cross-sectional rank IC, averaged: for each date (entries sharing a `dateIDs` value)
    /// the Spearman correlation between μ and y across assets (Pearson correlation of average ranks,
    /// ties sharing their mean rank), then the mean over dates. Dates with fewer than `minimumAssets`
    /// valid entries or with constant ranks on either side are skipped.
    public static func meanRankIC<T: BinaryFloatingPoint>(target: [T], mean: [T], dateIDs: [Int], minimumAssets: Int = 3) -> Double {
        precondition(target.count == mean.count && target.count == dateIDs.count, "target, mean, dateIDs lengths differ")
        var byDate: [Int: [Int]] = [:]
        for i in target.indices where Double(target[i]).isFinite && Double(mean[i]).isFinite {
            byDate[dateIDs[i], default: []].append(i)
        }
        var sum = 0.0, dates = 0
        for date in byDate.keys.sorted() {
            let members = byDate[date]!
            guard members.count >= max(2, minimumAssets) else { continue }
            let ic = pearson(averageRanks(members.map { Double(mean[$0]) }), averageRanks(members.map { Double(target[$0]) }))
            guard ic.isFinite else { continue }
            sum += ic
            dates += 1
        }
        return dates > 0 ? sum / Double(dates) : .nan
    }

    /// Ranks 1…n of `values`, ties given the mean of the ranks they span.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// Pearson correlation; NaN when either side is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "lengths differ")
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }
}
