// Walk-forward windows by calendar months: evaluate each window, train on what came before it (purged).
import MarketSupport

/// One walk-forward step: train on `train`, then evaluate on `evaluation` (index ranges of one asset).
public struct WalkForwardWindow: Sendable, Equatable, Codable {
    /// Bars to train on: everything before the evaluation window (or the last `rollingTrainBars`),
    /// minus the purge.
    public var train: Range<Int>
    /// Bars evaluated: one window of `windowMonths` calendar months, minus the embargo at its start.
    public var evaluation: Range<Int>
    /// The first day of the window's months (its label).
    public var windowStart: DayNumber
}

/// Walk-forward window generator: consecutive windows of `windowMonths` calendar months from
/// `firstEvaluation` up to `end` (e.g. the start of the final out-of-sample period, never trained on).
///
/// - `purgeBars` (use H): bars removed from the end of each training range, so no training target
///   (H bars ahead) falls inside the evaluation window.
/// - `embargoBars` (optional, default 0): bars skipped at the start of each evaluation window, a
///   cooling-off after the training data for features that look back further than H (e.g. the
///   20-bar volatility); those bars are neither trained on nor scored in that window.
public struct WalkForwardSplitter: Sendable, Equatable {
    public var windowMonths: Int
    public var purgeBars: Int
    public var embargoBars: Int
    /// nil: expanding (anchored at bar 0); else the training range is at most this many bars.
    public var rollingTrainBars: Int?

    public init(windowMonths: Int, purgeBars: Int, embargoBars: Int = 0, rollingTrainBars: Int? = nil) {
        precondition(windowMonths >= 1 && purgeBars >= 0 && embargoBars >= 0, "WalkForwardSplitter: invalid sizes")
        self.windowMonths = windowMonths
        self.purgeBars = purgeBars
        self.embargoBars = embargoBars
        self.rollingTrainBars = rollingTrainBars
    }

    /// The windows over bars `dates` (ascending) from the month of `firstEvaluation` until bar index
    /// `end` (exclusive; default all bars). Windows with no training or no evaluation bars are skipped.
    public func windows(dates: [DayNumber], firstEvaluation: DayNumber, end: Int? = nil) -> [WalkForwardWindow] {
        let stop = min(end ?? dates.count, dates.count)
        let (y, m, _) = CivilDate.civil(firstEvaluation)
        var monthIndex = y * 12 + (m - 1)
        var result: [WalkForwardWindow] = []
        while true {
            let start = CivilDate.dayNumber(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1)
            let next = monthIndex + windowMonths
            let nextStart = CivilDate.dayNumber(year: next / 12, month: next % 12 + 1, day: 1)
            let first = ChronologicalSplit.firstIndex(dates, onOrAfter: start)
            if first >= stop { break }
            let last = min(ChronologicalSplit.firstIndex(dates, onOrAfter: nextStart), stop)
            let trainEnd = max(0, first - purgeBars)
            let trainStart = rollingTrainBars.map { max(0, trainEnd - $0) } ?? 0
            let evaluationStart = min(first + embargoBars, last)
            if trainEnd > trainStart && last > evaluationStart {
                result.append(WalkForwardWindow(train: trainStart..<trainEnd, evaluation: evaluationStart..<last, windowStart: start))
            }
            monthIndex = next
        }
        return result
    }
}
