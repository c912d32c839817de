// TrainingData: what a training loop draws from — a training dataset with its sampler and fixed validation windows.
import MarketData

/// The data of one training loop: category-weighted batches from `train`, and a fixed list of
/// validation windows (the same ones at every evaluation, so validation losses are comparable).
/// Build it on any per-asset bar ranges (pre-training split, a walk-forward window, one category…).
public struct TrainingData: Sendable {
    /// The windows trained on.
    public let train: WindowedDataset
    /// Category-weighted draws from `train` (a pure function of seed, epoch and index).
    public let sampler: CategoryBalancedSampler
    /// The validation windows' dataset (nil: no validation, no early stopping).
    public let validation: WindowedDataset?
    /// The validation windows, evaluated in order in batches of the training batch size.
    public let validationWindows: [WindowRef]
    /// Mixup and synthetic batches for training steps only (nil: none; validation is never augmented).
    public var augmentation: TrainingAugmentation?

    /// - Parameters:
    ///   - train: the training windows (must hold at least one window).
    ///   - validation: the validation windows' dataset, or nil.
    ///   - seed: fixes the batch sequence and the choice of validation windows.
    ///   - validationWindowCount: how many validation windows to evaluate (category-weighted draws).
    public init(train: WindowedDataset, validation: WindowedDataset?, seed: UInt64, validationWindowCount: Int) throws {
        guard train.windowCount > 0 else {
            throw TrainingError(step: nil, reason: "no training windows: every asset's training range is shorter than the context length \(train.contextLength)")
        }
        self.train = train
        sampler = CategoryBalancedSampler(dataset: train, seed: seed)
        if let validation, validation.windowCount > 0, validationWindowCount > 0 {
            self.validation = validation
            let draws = CategoryBalancedSampler(dataset: validation, seed: seed ^ 0x0A11_DA7E_0000_5EED)
            validationWindows = (0..<validationWindowCount).map { draws.window(epoch: 0, index: $0) }
        } else {
            self.validation = nil
            validationWindows = []
        }
    }
}

/// A training failure (non-finite steps, no data, bad checkpoint pairing), naming the step when there is one.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    /// The optimizer step where it happened.
    public var step: Int?
    public var reason: String

    public init(step: Int?, reason: String) {
        self.step = step
        self.reason = reason
    }

    public var description: String { step.map { "step \($0): \(reason)" } ?? reason }
}
