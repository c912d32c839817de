// WalkForwardOptions: the settings of a walk-forward fine-tuning run of one category.
import MarketData
import MarketSupport

/// How a category is walked forward (CLI: `--window-months`, `--oos-years`, `--epochs`, …).
public struct WalkForwardOptions: Codable, Equatable, Sendable {
    /// Calendar months per walk-forward window. Default 6.
    public var windowMonths = 6
    /// Years at the end of the category's history held out as the final out-of-sample period
    /// (never trained on, never used by a window). Default 2.
    public var oosYears = 2
    /// Passes over each window's training bars (counted as non-overlapping T-bar windows). Default 3.
    public var epochs = 3
    /// Walk forward over only the last Y years before the out-of-sample period (nil: from the
    /// category's first date + `minimumHistoryYears`). Default nil.
    public var walkForwardYears: Int?
    /// Years of history an asset needs before its first evaluated window (baseline fits, context). Default 1.
    public var minimumHistoryYears = 1
    /// Each fine-tuning pass uses at most the last M months before the window's end (nil: all earlier
    /// data, expanding). Default 24.
    public var trainMonths: Int? = 24
    /// Upper bound on optimizer steps per window (nil: no bound; for quick runs). Default nil.
    public var maxStepsPerWindow: Int?
    /// Bars purged between the last training target and the next evaluated window (nil: H).
    public var purgeBars: Int?
    /// Seed of the fine-tuning batches and dropout.
    public var seed: UInt64 = 42
    /// Keep a window's update only when it does not worsen the NLL on the last `guardBars` bars of that
    /// window's training range (held out of that update, after a purge). Default false.
    public var keepOnlyIfValidationImproves = false
    /// Bars per asset held out for the guard. Default 42 (two months).
    public var guardBars = 42
    /// After the last window: compare the fine-tuned path's NLL on the scored windows (each window scored by the
    /// model as it was before that window, i.e. never on data it trained on) with the starting model's NLL on the
    /// same targets; when fine-tuning did worse, return the starting weights (`CategoryWalkForwardResult.fellBack`).
    /// The last update (which no later window scores) is validated too: it trains without the last `guardBars` bars of its
    /// range (plus the purge), and the starting weights are also returned when the final weights score a worse NLL than the
    /// starting model on those held-out bars. Both pieces of evidence lie before the out-of-sample period, so the choice
    /// never sees it. Default false.
    public var fallBackUnlessWindowsImprove = false
    /// With `fallBackUnlessWindowsImprove`: a significance level α for the fine-tuned weights to be kept at all — besides
    /// not scoring worse on either piece of evidence, fine-tuning must beat the starting model on *both* of them (the scored
    /// windows and the last update's held-out tail) with a Diebold–Mariano test on daily mean NLL differentials (statistic
    /// < 0, two-sided p < α); else — also when a piece is missing, e.g. no window could be scored — the starting weights are
    /// returned (`FallBackDecision.fellBack`). nil (default): any improvement, however small, keeps the fine-tuned weights.
    public var fallBackSignificance: Double?

    /// Whether α is a usable `fallBackSignificance` (0 < α < 1): the one check behind `walk_forward.fall_back_significance`
    /// (experiment) and `finetune.fall_back_significance` (finetune); the error text is `significanceRule`.
    public static func isValidSignificance(_ alpha: Double) -> Bool { alpha > 0 && alpha < 1 }
    /// The rule's wording in errors.
    public static let significanceRule = "must be in (0, 1)"

    public init() {}
}

/// The out-of-sample start of a category: `years` calendar years before its last date (+1 day).
public func outOfSampleStart(lastDay: DayNumber, years: Int) -> DayNumber {
    let (y, m, d) = CivilDate.civil(lastDay)
    return CivilDate.dayNumber(year: y - years, month: m, day: min(d, 28)) + 1
}
