// ExperimentConfig: configs/experiment.yaml — pre-training, fine-tuning and walk-forward settings of the whole forecasting protocol.
import Foundation
import MarketSupport

/// The walk-forward settings of an experiment (`walk_forward:`), snake_case; every key optional.
public struct WalkForwardSection: Codable, Equatable, Sendable {
    /// Calendar months per window. Default 6.
    public var windowMonths = 6
    /// Passes over each window's training bars. Default 1.
    public var epochs = 1
    /// Months of history each fine-tuning pass uses (nil: all). Default 24.
    public var trainMonths: Int? = 24
    /// Upper bound on optimizer steps per window. Default 30.
    public var maxStepsPerWindow: Int? = 30
    /// Bars purged between training targets and the next scored bar (nil: H).
    public var purgeBars: Int?
    /// Keep a window's update only if the NLL on its held-out tail does not worsen. Default true.
    public var keepOnlyIfValidationImproves = true
    /// Bars per asset held out for that guard. Default 42.
    public var guardBars = 42
    /// Return the pre-trained weights when the fine-tuned path scored a worse NLL than the pre-trained model on the
    /// walk-forward windows (validation period; `WalkForwardOptions.fallBackUnlessWindowsImprove`). Default true.
    public var fallBackUnlessWindowsImprove = true
    /// `fall_back_significance` (nil: off): keep the fine-tuned weights only when they beat the pre-trained ones on both the
    /// windows and the last update's held-out tail with a Diebold–Mariano p below it (`WalkForwardOptions.fallBackSignificance`).
    public var fallBackSignificance: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case windowMonths = "window_months", epochs, trainMonths = "train_months", maxStepsPerWindow = "max_steps_per_window"
        case purgeBars = "purge_bars", keepOnlyIfValidationImproves = "keep_only_if_validation_improves", guardBars = "guard_bars"
        case fallBackUnlessWindowsImprove = "fall_back_unless_windows_improve", fallBackSignificance = "fall_back_significance"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = WalkForwardSection()
        windowMonths = try c.decodeIfPresent(Int.self, forKey: .windowMonths) ?? d.windowMonths
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        trainMonths = try c.decodeIfPresent(Int.self, forKey: .trainMonths) ?? d.trainMonths
        maxStepsPerWindow = try c.decodeIfPresent(Int.self, forKey: .maxStepsPerWindow) ?? d.maxStepsPerWindow
        purgeBars = try c.decodeIfPresent(Int.self, forKey: .purgeBars)
        keepOnlyIfValidationImproves = try c.decodeIfPresent(Bool.self, forKey: .keepOnlyIfValidationImproves) ?? d.keepOnlyIfValidationImproves
        guardBars = try c.decodeIfPresent(Int.self, forKey: .guardBars) ?? d.guardBars
        fallBackUnlessWindowsImprove = try c.decodeIfPresent(Bool.self, forKey: .fallBackUnlessWindowsImprove) ?? d.fallBackUnlessWindowsImprove
        fallBackSignificance = try c.decodeIfPresent(Double.self, forKey: .fallBackSignificance)
    }

    /// The fine-tuner's options (seed from the experiment).
    public func options(seed: UInt64) -> WalkForwardOptions {
        var o = WalkForwardOptions()
        o.windowMonths = windowMonths
        o.epochs = epochs
        o.trainMonths = trainMonths
        o.maxStepsPerWindow = maxStepsPerWindow
        o.purgeBars = purgeBars
        o.keepOnlyIfValidationImproves = keepOnlyIfValidationImproves
        o.guardBars = guardBars
        o.fallBackUnlessWindowsImprove = fallBackUnlessWindowsImprove
        o.fallBackSignificance = fallBackSignificance
        o.minimumHistoryYears = 0
        o.seed = seed
        return o
    }
}

/// The uncertainty methods an experiment compares (`ensemble:`): MC dropout and a deep ensemble of the pre-trained model.
public struct EnsembleSection: Codable, Equatable, Sendable {
    /// K, deep-ensemble members (member 0 is the experiment's pre-trained model; members 1…K−1 train with seeds
    /// seed+1…; 1 = no ensemble). Default 1.
    public var members = 1
    /// S, MC-dropout passes per member for the `pretrained_mc` and `ensemble` variants (1 = one `.eval` pass). Default 1.
    public var samples = 1

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = EnsembleSection()
        members = try c.decodeIfPresent(Int.self, forKey: .members) ?? d.members
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
    }

    /// Whether any mixture variant is scored (K > 1 or S > 1).
    public var isEnabled: Bool { members > 1 || samples > 1 }
}

/// `rolling_calibration:` of an experiment config: `false` (off), `true` (chosen per category against the static
/// calibration on validation) or `always` (a rolling candidate in every category; only its window and scale/map are chosen
/// on validation). Encoded as it is written (`false`, `true`, `always`).
public enum RollingCalibrationMode: String, Codable, Equatable, Sendable {
    case off, chosen, always

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let flag = try? c.decode(Bool.self) { self = flag ? .chosen : .off; return }
        let text = try c.decode(String.self)
        guard text == Self.always.rawValue else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be true, false or always, found \(text)")
        }
        self = .always
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .off: try c.encode(false)
        case .chosen: try c.encode(true)
        case .always: try c.encode(Self.always.rawValue)
        }
    }
}

/// `configs/experiment.yaml`:
/// ```yaml
/// model:        { … }   # ModelSection (as configs/pretrain.yaml)
/// training:     { … }   # TrainingConfig of pre-training (its split: per-category cuts; universe, data, run, seed)
/// finetune:     { … }   # TrainingConfig of fine-tuning (learning_rate, batch_size, clip_norm, …)
/// walk_forward: { … }   # WalkForwardSection
/// ensemble:     { members: 3, samples: 10 }   # EnsembleSection: MC-dropout and deep-ensemble variants (default 1, 1: none)
/// calibrate: true       # fit the post-hoc calibration on held-out rows (never the test period)
/// calibration_method: selected   # variance_scale, quantile_map, or selected per category on validation (default)
/// rolling_calibration: true      # also a causal rolling recalibration, chosen per category on validation (default false;
///                                # `always`: the best rolling candidate on validation in every category, never the static one)
/// categories: [crypto]  # default: every category
/// strategy:     { … }   # ExperimentStrategySection: signal rule fitted on validation, test period traded
/// notify: { … }         # NotifySettings: webhook on epoch/checkpoint/finish/failure (default none)
/// ```
/// Protocol per category K: pre-train on bars before K's validation start; walk forward over K's
/// validation period (score each window, then fine-tune on it); score pre-trained and fine-tuned models
/// and the baselines on K's test period (from its test start). Unknown keys are an error.
public struct ExperimentConfig: Codable, Equatable, Sendable, ValidatedConfig {
    public var model = ModelSection()
    public var training = TrainingConfig()
    public var finetune = TrainingConfig()
    public var walkForward = WalkForwardSection()
    public var ensemble = EnsembleSection()
    public var calibrate = true
    /// The post-hoc recalibration (`calibration_method`): `variance_scale`, `quantile_map` or `selected` (default:
    /// per category, the one with the lower NLL on validation rows held out from its fit).
    public var calibrationMethod = CalibrationMethod.selected
    /// `rolling_calibration` [false]: also consider, per category, a causal rolling recalibration (`RollingCalibration`: the
    /// variance scale, or scale + quantile map, refitted before each test date on the targets realised by then over a trailing
    /// window), chosen against the static calibration on the validation period only; where chosen it is the `*_calibrated` variant
    /// and it is stored in the checkpoints' calibration (`PredictiveCalibration.rolling`). `always`: a rolling candidate in
    /// every category (the window and scale/map chosen on validation), never the static calibration.
    public var rollingCalibration = RollingCalibrationMode.off
    public var categories: [String]?
    public var strategy = ExperimentStrategySection()
    /// Webhook notifications of the run (`notify:`); default none.
    public var notify: NotifySettings?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case model, training, finetune, walkForward = "walk_forward", ensemble, calibrate, calibrationMethod = "calibration_method", rollingCalibration = "rolling_calibration", categories, strategy, notify
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(ModelSection.self, forKey: .model) ?? ModelSection()
        training = try c.decodeIfPresent(TrainingConfig.self, forKey: .training) ?? TrainingConfig()
        finetune = try c.decodeIfPresent(TrainingConfig.self, forKey: .finetune) ?? TrainingConfig()
        walkForward = try c.decodeIfPresent(WalkForwardSection.self, forKey: .walkForward) ?? WalkForwardSection()
        ensemble = try c.decodeIfPresent(EnsembleSection.self, forKey: .ensemble) ?? EnsembleSection()
        calibrate = try c.decodeIfPresent(Bool.self, forKey: .calibrate) ?? true
        calibrationMethod = try c.decodeIfPresent(CalibrationMethod.self, forKey: .calibrationMethod) ?? .selected
        rollingCalibration = try c.decodeIfPresent(RollingCalibrationMode.self, forKey: .rollingCalibration) ?? .off
        categories = try c.decodeIfPresent([String].self, forKey: .categories)
        strategy = try c.decodeIfPresent(ExperimentStrategySection.self, forKey: .strategy) ?? ExperimentStrategySection()
        notify = try c.decodeIfPresent(NotifySettings.self, forKey: .notify)
    }

    public func validate() throws {
        do { try model.validate() } catch let error as ConfigValueError { throw error.prefixed("model") }
        do { try training.validate() } catch let error as ConfigValueError { throw error.prefixed("training") }
        do { try finetune.validate() } catch let error as ConfigValueError { throw error.prefixed("finetune") }
        guard walkForward.windowMonths >= 1 else { throw ConfigValueError(keyPath: ["walk_forward", "window_months"], reason: "must be ≥ 1, found \(walkForward.windowMonths)") }
        guard walkForward.epochs >= 1 else { throw ConfigValueError(keyPath: ["walk_forward", "epochs"], reason: "must be ≥ 1, found \(walkForward.epochs)") }
        guard (1...16).contains(ensemble.members) else { throw ConfigValueError(keyPath: ["ensemble", "members"], reason: "must be in 1…16, found \(ensemble.members)") }
        guard (1...100).contains(ensemble.samples) else { throw ConfigValueError(keyPath: ["ensemble", "samples"], reason: "must be in 1…100, found \(ensemble.samples)") }
        try strategy.validate()
        do { try notify?.validate() } catch let error as ConfigValueError { throw error.prefixed("notify") }
        if let alpha = walkForward.fallBackSignificance, !WalkForwardOptions.isValidSignificance(alpha) {
            throw ConfigValueError(keyPath: ["walk_forward", "fall_back_significance"], reason: "\(WalkForwardOptions.significanceRule), found \(alpha)")
        }
        guard walkForward.guardBars >= 1 else { throw ConfigValueError(keyPath: ["walk_forward", "guard_bars"], reason: "must be ≥ 1, found \(walkForward.guardBars)") }
    }

    /// Loads and strictly decodes a config file (see `StrictYAML`).
    public static func load(_ url: URL) throws -> ExperimentConfig { try StrictYAML.load(ExperimentConfig.self, from: url) }

    /// The pre-training run config.
    public var pretraining: TrainingRunConfig { TrainingRunConfig(model: model, training: training) }
}
