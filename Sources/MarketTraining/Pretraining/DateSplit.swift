// DateSplit: one train/validation/test cut by calendar date for the whole universe, and per-asset bar ranges from dates.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// The pre-training split: the same two cut dates for every asset. Train is before `validationStart`,
/// validation before `testStart`, test from `testStart` on (the last days; never trained on).
/// The cuts are quantiles of the pooled bar dates of all assets, so that e.g. 90/5/5 means 90% of all
/// bars are in train. Nothing fitted (the normaliser) reads past `validationStart`.
public struct DateSplit: Codable, Equatable, Sendable {
    /// First validation day.
    public var validationStart: DayNumber
    /// First test day.
    public var testStart: DayNumber

    public init(validationStart: DayNumber, testStart: DayNumber) {
        precondition(validationStart <= testStart, "DateSplit: validation starts after test")
        self.validationStart = validationStart
        self.testStart = testStart
    }

    /// The cuts at the `fractions.train` and `fractions.train + fractions.validation` quantiles of
    /// the pooled dates of `store` (counting every bar of every asset).
    public static func pooled(_ store: FeatureStore, fractions: SplitFractions) throws -> DateSplit {
        var first = DayNumber.max, last = DayNumber.min, total = 0
        for asset in store.assets where asset.count > 0 {
            first = min(first, asset.dates[0])
            last = max(last, asset.dates[asset.count - 1])
            total += asset.count
        }
        guard total > 0 else { throw TrainingError(step: nil, reason: "the universe has no bars to split") }
        var histogram = [Int](repeating: 0, count: Int(last - first) + 1)
        for asset in store.assets { for day in asset.dates { histogram[Int(day - first)] += 1 } }
        func quantile(_ fraction: Double) -> DayNumber {
            let target = Int((fraction * Double(total)).rounded(.up))
            var cumulative = 0
            for (offset, count) in histogram.enumerated() {
                cumulative += count
                if cumulative >= target { return first + DayNumber(offset) + 1 }
            }
            return last + 1
        }
        let validationStart = fractions.train >= 1 ? last + 1 : quantile(fractions.train)
        let testStart = fractions.train + fractions.validation >= 1 ? last + 1 : max(validationStart, quantile(fractions.train + fractions.validation))
        return DateSplit(validationStart: validationStart, testStart: testStart)
    }

    /// Per store asset: train, validation and test bar ranges.
    public func ranges(_ store: FeatureStore) -> [SplitRanges] {
        store.assets.map { ChronologicalSplit.byDate($0.dates, validationStart: validationStart, testStart: testStart, purgeBars: 0) }
    }

    /// Per store asset: the bars dated in `from ..< until` (any date range; e.g. a walk-forward window).
    public static func barRanges(_ store: FeatureStore, from: DayNumber, until: DayNumber) -> [Range<Int>] {
        store.assets.map { $0.firstIndex(onOrAfter: from)..<max($0.firstIndex(onOrAfter: from), $0.firstIndex(onOrAfter: until)) }
    }

    /// Metadata strings (`split.validation_start`, `split.test_start` as YYYY-MM-DD).
    public var metadata: [String: String] {
        CheckpointMetadata(validationStart: validationStart, testStart: testStart).entries
    }
}
