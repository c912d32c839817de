// A training config file: a `model:` section and a `training:` section (configs/tiny.yaml, configs/pretrain.yaml).

import Foundation
import MarketSupport

/// The layout of `configs/pretrain.yaml` and `configs/tiny.yaml`:
/// ```yaml
/// model:    { context_length: 64, features: 8, width: 128, … }   # ModelSection
/// training: { batch_size: 32, learning_rate: 3.0e-4, … }         # TrainingConfig
/// augmentation: { mixup_probability: 0.2, synthetic_share: 0.1 }  # AugmentationConfig (pre-training only; off by default)
/// finetune: { fall_back: true, guard_bars: 42, fall_back_significance: 0.05 }   # FineTuneSection (`marketgpt finetune` only)
/// ```
/// Every section is optional (all defaults); any other top-level key is an error.
public struct TrainingRunConfig: Codable, Equatable, Sendable, ValidatedConfig {
    /// The model hyper-parameters.
    public var model = ModelSection()
    /// The optimisation, schedule, evaluation and data settings.
    public var training = TrainingConfig()
    /// Pre-training augmentation (mixup, synthetic series); all off by default.
    public var augmentation = AugmentationConfig()
    /// Webhook notifications of the run (`notify:`); default none.
    public var notify: NotifySettings?
    /// The fall-back gate of `marketgpt finetune` (`finetune:`); default off.
    public var finetune = FineTuneSection()

    public init(model: ModelSection = ModelSection(), training: TrainingConfig = TrainingConfig(),
                augmentation: AugmentationConfig = AugmentationConfig()) {
        self.model = model
        self.training = training
        self.augmentation = augmentation
    }

    enum CodingKeys: String, CodingKey { case model, training, augmentation, notify, finetune }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(ModelSection.self, forKey: .model) ?? ModelSection()
        training = try c.decodeIfPresent(TrainingConfig.self, forKey: .training) ?? TrainingConfig()
        augmentation = try c.decodeIfPresent(AugmentationConfig.self, forKey: .augmentation) ?? AugmentationConfig()
        notify = try c.decodeIfPresent(NotifySettings.self, forKey: .notify)
        finetune = try c.decodeIfPresent(FineTuneSection.self, forKey: .finetune) ?? FineTuneSection()
    }

    /// Validates both sections (errors carry `model.` / `training.` key paths).
    public func validate() throws {
        do { try model.validate() } catch let error as ConfigValueError { throw error.prefixed("model") }
        do { try training.validate() } catch let error as ConfigValueError { throw error.prefixed("training") }
        do { try augmentation.validate() } catch let error as ConfigValueError { throw error.prefixed("augmentation") }
        do { try notify?.validate() } catch let error as ConfigValueError { throw error.prefixed("notify") }
        do { try finetune.validate() } catch let error as ConfigValueError { throw error.prefixed("finetune") }
        // Activations of one batch: (B, T) positions × layers × ((12 + 2·mlp_ratio)·C floats + NH·T attention weights).
        let floats = Double(training.batchSize) * Double(model.contextLength) * Double(model.layers)
            * (Double(12 + 2 * model.mlpRatio) * Double(model.width) + Double(model.heads) * Double(model.contextLength))
        guard floats <= Self.activationLimit else {
            throw ConfigValueError(keyPath: ["training", "batch_size"], reason: "batch_size \(training.batchSize) with context_length \(model.contextLength), "
                                   + "width \(model.width) and \(model.layers) layers needs ≈ \(Int(floats * 4 / 1e6)) MB of activations, above \(Int(Self.activationLimit * 4 / 1e6)) MB")
        }
    }

    /// Largest activation memory of one training batch, in Float32 values (4 GB).
    public static let activationLimit = 1.0e9

    /// Loads and strictly decodes a config file (see `StrictYAML`).
    public static func load(_ url: URL) throws -> TrainingRunConfig {
        try StrictYAML.load(TrainingRunConfig.self, from: url)
    }
}
