// CategorySplit: per-category pre-training cuts (train / validation / test by each category's own dates) and the cuts a checkpoint records.
import Foundation
import MarketData
import MarketModel
import MarketSupport

/// The pre-training split, one `DateSplit` per category: every category gets validation and test periods
/// from its own dates (the `fractions` quantiles of that category's pooled bar dates, or the dates the
/// config names for it), so a category whose files end early still has held-out periods and no category's
/// out-of-sample period lies inside another's training range.
///
/// `trainEnd[c]` is the last day any training target of category c can come from (the last bar of the
/// category's train ranges: windows and their targets never leave a range). Everything after it is
/// never trained on by pre-training — the canary test poisons those bars and gets bit-identical weights.
public struct CategorySplit: Equatable, Sendable {
    /// Category id → its cut (categories without bars have none).
    public var cuts: [Int: DateSplit]
    /// Category id → last training-target day (absent: no training bars).
    public var trainEnd: [Int: DayNumber]

    public init(cuts: [Int: DateSplit], trainEnd: [Int: DayNumber]) {
        self.cuts = cuts
        self.trainEnd = trainEnd
    }

    /// Cuts per category of `store`: `explicit[name]` when the config names the category, else the
    /// `fractions` quantiles of the category's own dates. `categoryNames[id]` names category `id`;
    /// a name in `explicit` that is not a category is an error naming it.
    public static func make(_ store: FeatureStore, categoryNames: [String], fractions: SplitFractions) throws -> CategorySplit {
        let explicit = fractions.categories ?? [:]
        for name in explicit.keys.sorted() where !categoryNames.contains(name) {
            throw TrainingError(step: nil, reason: "training.split.categories: unknown category '\(name)' (the universe has \(categoryNames.joined(separator: ", ")))")
        }
        var cuts: [Int: DateSplit] = [:]
        for id in Set(store.assets.map(\.categoryID)).sorted() {
            let category = FeatureStore(assets: store.assets.filter { $0.categoryID == id && $0.count > 0 }, categoryWeights: store.categoryWeights)
            guard !category.assets.isEmpty else { continue }
            if id < categoryNames.count, let cut = explicit[categoryNames[id]] {
                cuts[id] = try cut.dateSplit(category: categoryNames[id])
            } else {
                cuts[id] = try DateSplit.pooled(category, fractions: fractions)
            }
        }
        var split = CategorySplit(cuts: cuts, trainEnd: [:])
        for (asset, ranges) in zip(store.assets, split.ranges(store)) where !ranges.train.isEmpty {
            let last = asset.dates[ranges.train.upperBound - 1]
            split.trainEnd[asset.categoryID] = max(split.trainEnd[asset.categoryID] ?? last, last)
        }
        return split
    }

    /// Per store asset: train, validation and test bar ranges by its category's cut.
    public func ranges(_ store: FeatureStore) -> [SplitRanges] {
        store.assets.map { asset in
            guard let cut = cuts[asset.categoryID] else { return SplitRanges(train: 0..<0, validation: 0..<0, test: 0..<asset.count) }
            return ChronologicalSplit.byDate(asset.dates, validationStart: cut.validationStart, testStart: cut.testStart, purgeBars: 0)
        }
    }

    /// The earliest validation start and latest test start over the categories (for one-line summaries).
    public var envelope: DateSplit? {
        guard let v = cuts.values.map(\.validationStart).min(), let t = cuts.values.map(\.testStart).max() else { return nil }
        return DateSplit(validationStart: v, testStart: max(v, t))
    }

    /// The checkpoint metadata: `train_end.<category>`, `split.validation_start.<category>`, `split.test_start.<category>`.
    public func metadata(categoryNames: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for (id, cut) in cuts where id < categoryNames.count {
            let name = categoryNames[id]
            out[CheckpointCuts.Key.validationStart(name)] = CivilDate.isoString(cut.validationStart)
            out[CheckpointCuts.Key.testStart(name)] = CivilDate.isoString(cut.testStart)
            if let end = trainEnd[id] { out[CheckpointCuts.Key.trainEnd(name)] = CivilDate.isoString(end) }
        }
        return out
    }
}

/// The cuts a checkpoint records, by category name (read back from `__metadata__`).
public struct CheckpointCuts: Equatable, Sendable {
    /// The metadata keys (one place).
    public enum Key {
        public static func trainEnd(_ category: String) -> String { "train_end.\(category)" }
        public static func validationStart(_ category: String) -> String { "split.validation_start.\(category)" }
        public static func testStart(_ category: String) -> String { "split.test_start.\(category)" }
        /// Pre-issue-13 checkpoints: one global cut.
        public static let legacyValidationStart = CheckpointMetadata.Key.validationStart
        public static let legacyTestStart = CheckpointMetadata.Key.testStart
        /// Whether `key` is one of the cut keys (carried over into a fine-tuned checkpoint).
        public static func isCut(_ key: String) -> Bool { key.hasPrefix("split.") || key.hasPrefix("train_end.") }
    }

    /// Category → last day a training target came from (scoring must start after it).
    public var trainEnd: [String: DayNumber] = [:]
    public var validationStart: [String: DayNumber] = [:]
    public var testStart: [String: DayNumber] = [:]

    public init() {}

    /// Reads the cuts of `categories` from `metadata`; a checkpoint from before per-category cuts (only
    /// `split.validation_start`) gets train_end = the day before that global validation start for every category.
    public init(metadata: [String: String], categories: [String]) {
        let legacyValidation = metadata[Key.legacyValidationStart].flatMap(CivilDate.parseISO)
        let legacyTest = metadata[Key.legacyTestStart].flatMap(CivilDate.parseISO)
        for name in categories {
            if let day = metadata[Key.trainEnd(name)].flatMap(CivilDate.parseISO) { trainEnd[name] = day }
            else if let legacyValidation { trainEnd[name] = legacyValidation - 1 }
            if let day = metadata[Key.validationStart(name)].flatMap(CivilDate.parseISO) ?? legacyValidation { validationStart[name] = day }
            if let day = metadata[Key.testStart(name)].flatMap(CivilDate.parseISO) ?? legacyTest { testStart[name] = day }
        }
    }

    /// The first origin bar of `dates` whose targets all lie after `trainEnd[category]` (origin day ≥ train_end,
    /// so r_{origin+1} is dated after it); 0 when the category has no recorded train end.
    public func firstScorableOrigin(_ dates: [DayNumber], category: String) -> Int {
        guard let end = trainEnd[category] else { return 0 }
        return ChronologicalSplit.firstIndex(dates, onOrAfter: end)
    }
}

/// Explicit cut dates of one category in `training.split.categories.<name>`.
public struct CategoryCutConfig: Codable, Equatable, Sendable {
    /// First validation day (pre-training trains on bars before it), YYYY-MM-DD.
    public var validationStart: String
    /// First test day, YYYY-MM-DD (≥ validation_start).
    public var testStart: String

    public init(validationStart: String, testStart: String) {
        self.validationStart = validationStart
        self.testStart = testStart
    }

    enum CodingKeys: String, CodingKey { case validationStart = "validation_start", testStart = "test_start" }

    /// The parsed cut; throws naming the key when a date is malformed or out of order.
    public func dateSplit(category: String) throws -> DateSplit {
        guard let v = CivilDate.parseISO(validationStart) else {
            throw TrainingError(step: nil, reason: "training.split.categories.\(category).validation_start: not a YYYY-MM-DD date: '\(validationStart)'")
        }
        guard let t = CivilDate.parseISO(testStart) else {
            throw TrainingError(step: nil, reason: "training.split.categories.\(category).test_start: not a YYYY-MM-DD date: '\(testStart)'")
        }
        guard v <= t else {
            throw TrainingError(step: nil, reason: "training.split.categories.\(category): validation_start \(validationStart) is after test_start \(testStart)")
        }
        return DateSplit(validationStart: v, testStart: t)
    }
}
