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
    /// The model's and the baselines' metrics on the window's targets.
    public var evaluation: ForecastEvaluation
}

/// The run of one category.
public struct CategoryWalkForwardResult: Codable, Sendable {
    public var category: String
    public var categoryID: Int
    /// Assets of the category with enough data.
    public var assets: Int
    /// First day of the out-of-sample period (ISO) and the category's last day.
    public var outOfSampleStart: String, lastDay: String
    /// True when the pre-training split let the pretrained model train on part of this out-of-sample
    /// period (its `split.validation_start` is after `outOfSampleStart`): the OOS numbers of the
    /// pretrained model are then optimistic.
    public var outOfSampleOverlapsPretraining: Bool
    public var windows: [WalkForwardWindowResult]
    /// All windows' targets pooled.
    public var walkForward: ForecastEvaluation?
    /// Phase 3: the pretrained model (no fine-tuning) and the fine-tuned one on the out-of-sample period.
    public var outOfSamplePretrained: ForecastEvaluation
    public var outOfSampleFineTuned: ForecastEvaluation
    /// Total fine-tuning steps and seconds.
    public var fineTuneSteps: Int
    public var seconds: Double
}
