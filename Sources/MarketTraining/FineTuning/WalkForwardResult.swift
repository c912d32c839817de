// WalkForwardResult: what a category's walk-forward run measured (windows, out-of-sample, phase-3 comparison).
import MarketData

/// One walk-forward window: evaluated with the model as it was before the window, then trained on.
public struct WalkForwardWindowResult: Codable, Sendable {
    /// First and last+1 day of the window (ISO dates) and the last training day before it.
    public var start: String, end: String
    /// Optimizer steps of the fine-tuning pass that followed the evaluation.
    public var fineTuneSteps: Int
    /// Mean training loss of those steps (nil when none ran).
    public var fineTuneLoss: Double?
    /// The keep-only-if-better guard of this window's update (nil when the guard is off).
    public var guardResult: FineTuneGuardResult?
    /// The model's and the baselines' metrics on the window's targets.
    public var evaluation: ForecastEvaluation
}

/// The guard of one fine-tuning update: the model's NLL on the held-out tail of the window's training
/// range before and after the update; the update is kept only when it did not worsen it.
public struct FineTuneGuardResult: Codable, Sendable {
    public var validationNLLBefore: Double
    public var validationNLLAfter: Double
    public var kept: Bool
}

/// The run of one category.
public struct CategoryWalkForwardResult: Codable, Sendable {
    public var category: String
    public var categoryID: Int
    /// Assets of the category with enough data.
    public var assets: Int
    /// First day of the out-of-sample period (ISO) and the category's last day.
    public var outOfSampleStart: String, lastDay: String
    /// True when the `oos_years` period began on or before the checkpoint's `train_end.<category>`: its
    /// start was then moved past train_end (`outOfSampleStart` is the moved start) — nothing the model
    /// trained on is scored.
    public var outOfSampleOverlapsPretraining: Bool
    /// The checkpoint's `train_end.<category>` (ISO; nil for a checkpoint that records none).
    public var trainEnd: String?
    /// Windows lying wholly on or before train_end: fine-tuned on, never scored (not in `windows`).
    public var windowsSkippedInsideTraining: Int
    /// The scored windows.
    public var windows: [WalkForwardWindowResult]
    /// All windows' targets pooled.
    public var walkForward: ForecastEvaluation?
    /// Phase 3: the pretrained model (no fine-tuning) and the fine-tuned one on the out-of-sample period.
    public var outOfSamplePretrained: ForecastEvaluation
    public var outOfSampleFineTuned: ForecastEvaluation
    /// The last day any fine-tuning target came from (ISO): the fine-tuned checkpoint's train_end.<category>.
    public var fineTuneTrainEnd: String?
    /// Total fine-tuning steps and seconds.
    public var fineTuneSteps: Int
    public var seconds: Double
    /// With `fallBackUnlessWindowsImprove`: the mean NLL over the scored windows' targets of the fine-tuned path
    /// and of the starting model, and whether the starting weights were returned (nil: the option was off or no
    /// window was scored).
    public var windowsNLLFineTuned: Double?, windowsNLLStart: Double?
    /// With `fallBackUnlessWindowsImprove`: the mean NLL of the final fine-tuned weights and of the starting model on the last
    /// update's held-out tail (the last `guardBars` bars of its training range before the out-of-sample period, which that
    /// update did not train on); nil when no update ran.
    public var tailNLLFineTuned: Double?, tailNLLStart: Double?
    /// Whether the starting weights were returned: the path did worse on the windows or the final weights on the tail (or,
    /// with `WalkForwardOptions.fallBackSignificance`, not both showed a significant improvement).
    public var fellBack: Bool?
    /// The significance level α the gate required (`WalkForwardOptions.fallBackSignificance`; nil: none, or the gate off).
    public var fallBackSignificance: Double?
    /// Diebold–Mariano tests (fine-tuned vs starting NLL, daily mean differentials; negative: fine-tuned better) on the
    /// scored windows and on the last update's held-out tail; nil when there was no such evidence.
    public var windowsDieboldMariano: DieboldMarianoResult?, tailDieboldMariano: DieboldMarianoResult?
}
