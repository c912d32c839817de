// Train/validation/test splits and sklearn-style expanding time-series folds, as index ranges (never copies).
import MarketSupport

/// Index ranges of one asset's bars: train, then validation, then test (the last bars, never trained on).
public struct SplitRanges: Sendable, Equatable, Codable {
    public var train: Range<Int>
    public var validation: Range<Int>
    public var test: Range<Int>

    public init(train: Range<Int>, validation: Range<Int>, test: Range<Int>) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// Chronological train/validation/test splits. A purge of `purgeBars` (use H) drops the last bars of
/// the train and validation ranges, so that no training target (which looks H bars ahead) reaches
/// into the range evaluated after it.
public enum ChronologicalSplit {
    /// By dates (the same cut for every asset): train is before `validationStart`, validation before
    /// `testStart`, test from `testStart` on. Bars are `dates` (ascending).
    public static func byDate(_ dates: [DayNumber], validationStart: DayNumber, testStart: DayNumber, purgeBars: Int) -> SplitRanges {
        precondition(validationStart <= testStart, "ChronologicalSplit: validationStart after testStart")
        let v = firstIndex(dates, onOrAfter: validationStart)
        let t = firstIndex(dates, onOrAfter: testStart)
        return SplitRanges(train: 0..<max(0, v - purgeBars), validation: v..<max(v, t - purgeBars), test: t..<dates.count)
    }

    /// By bar counts from the end of each asset: the last `testBars` are test, the `validationBars`
    /// before them validation, the rest train (short assets give up train first, then validation).
    public static func lastBars(count: Int, validationBars: Int, testBars: Int, purgeBars: Int) -> SplitRanges {
        precondition(validationBars >= 0 && testBars >= 0 && purgeBars >= 0, "ChronologicalSplit: negative size")
        let t = max(0, count - testBars)
        let v = max(0, t - validationBars)
        return SplitRanges(train: 0..<max(0, v - purgeBars), validation: v..<max(v, t - purgeBars), test: t..<count)
    }

    /// First index with `dates[i] >= day` (`dates.count` when none).
    public static func firstIndex(_ dates: [DayNumber], onOrAfter day: DayNumber) -> Int {
        var lo = 0, hi = dates.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if dates[mid] < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Expanding-window time-series cross-validation with the behaviour of scikit-learn's
/// `TimeSeriesSplit(n_splits, max_train_size, test_size, gap)`: `n_splits` consecutive test folds at
/// the end, each trained on everything before it (minus `gap` bars, capped at `maxTrainSize`).
public struct TimeSeriesSplit: Sendable, Equatable {
    public var splits: Int
    /// Bars per test fold; default `count / (splits + 1)`.
    public var testSize: Int?
    /// Bars dropped between the end of train and the start of test (use H to purge).
    public var gap: Int
    /// The longest training range (a rolling window); default unlimited.
    public var maxTrainSize: Int?

    public init(splits: Int = 5, testSize: Int? = nil, gap: Int = 0, maxTrainSize: Int? = nil) {
        self.splits = splits
        self.testSize = testSize
        self.gap = gap
        self.maxTrainSize = maxTrainSize
    }

    /// The folds over `count` bars, oldest first. Throws when there are too few bars (as sklearn does).
    public func folds(count: Int) throws -> [(train: Range<Int>, test: Range<Int>)] {
        guard splits >= 2 else { throw DataError(file: "TimeSeriesSplit", reason: "splits must be ≥ 2, found \(splits)") }
        guard splits + 1 <= count else { throw DataError(file: "TimeSeriesSplit", reason: "\(splits + 1) folds for \(count) bars") }
        let size = testSize ?? count / (splits + 1)
        guard size > 0, count - gap - size * splits > 0 else {
            throw DataError(file: "TimeSeriesSplit", reason: "too many splits (\(splits)) for \(count) bars with test size \(size) and gap \(gap)")
        }
        var result: [(train: Range<Int>, test: Range<Int>)] = []
        var testStart = count - splits * size
        while testStart < count {
            let trainEnd = testStart - gap
            let trainStart = maxTrainSize.map { $0 < trainEnd ? trainEnd - $0 : 0 } ?? 0
            result.append((trainStart..<trainEnd, testStart..<min(testStart + size, count)))
            testStart += size
        }
        return result
    }
}
