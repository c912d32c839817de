// Trainer: the training loop (forward, NLL, backward, clip, AdamW, validation, early stopping) on any TrainingData.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketSupport

/// What one optimizer step did (handed to the `afterStep` hook, e.g. the monitor).
public struct StepReport: Sendable {
    /// Steps completed including this one.
    public var step: Int
    /// Sampler epoch (0-based).
    public var epoch: Int
    /// Training loss (weighted mean NLL of the batch); may be non-finite when the step was skipped.
    public var loss: Double
    /// Global gradient norm before clipping (non-finite when skipped for that reason).
    public var gradNorm: Double
    /// The learning rate of this step (from the schedule).
    public var learningRate: Double
    /// False when the step was skipped (non-finite loss or gradient).
    public var applied: Bool
    /// Windows in the batch (B).
    public var samples: Int
    /// Validation NLL when the model was evaluated after this step.
    public var validationLoss: Double?
}

/// Why a training loop returned.
public enum StopReason: Equatable, Sendable {
    /// The step count reached the requested stop step.
    case reachedStep(Int)
    /// Validation NLL did not improve for `early_stopping_patience` evaluations.
    case earlyStopped(bestStep: Int, bestLoss: Double)
}

/// Trains a `MarketGPT` with AdamW, a warmup + cosine schedule and global-norm clipping.
///
/// Every random draw comes from `state` (dropout RNG, sampler position), the batches from the
/// sampler's pure function of (seed, epoch, index), and evaluation uses `.eval` mode (no draws):
/// so saving `model` weights, `optimizer` moments and `state` at step s and restoring them gives
/// exactly the run that never stopped. Reuse it for fine-tuning: build a `Trainer` on a loaded model
/// (optionally restoring the optimizer), then call `train(_:until:)` on each window's `TrainingData`.
public final class Trainer {
    /// The model being trained (updated in place).
    public let model: MarketGPT
    /// AdamW over `model.parameters` (decay: matrices only).
    public let optimizer: AdamW
    /// The optimisation settings (schedule, clipping, evaluation, patience, non-finite limit).
    public let config: TrainingConfig
    /// Learning rate by step, defined by the config (`--steps` never changes it).
    public let schedule: WarmupCosineSchedule
    /// Step, RNG, sampler, early-stopping and non-finite counters.
    public var state: TrainerState
    /// Runs each training step's forward + backward over one model replica per core (gradients land in `model`).
    let parallel: DataParallel
    /// The processes training this model together (default: this one alone). With more than one, each step's
    /// global batch is cut into parts over every rank's workers, the gradients summed over the ranks in one
    /// flat all-reduce, and clipping and AdamW see the summed (= batch-mean) gradient on every rank alike
    /// (see `Trainer+Replicas.swift`). Set it before the first step.
    public var group: ProcessGroup = SingleProcess.shared
    /// With several ranks: compare a checksum of every replica's parameters every this many steps (and at
    /// every checkpoint and the last step); a difference stops training with a `TrainingError`.
    public var replicaCheckEvery = 50
    /// This rank's first global part and the parts of all ranks (from the ranks' worker counts; nil until the first step).
    var replicaLayout: (offset: Int, total: Int)?

    /// A trainer with fresh optimizer moments; `state` defaults to a new run seeded by `config.seed`.
    public init(model: MarketGPT, config: TrainingConfig, state: TrainerState? = nil) {
        self.model = model
        self.config = config
        self.state = state ?? TrainerState(seed: config.seed)
        parallel = DataParallel(model: model)
        optimizer = AdamW(parameters: model.parameters, learningRate: Float(config.learningRate),
                          beta1: Float(config.adamBeta1), beta2: Float(config.adamBeta2),
                          epsilon: Float(config.adamEpsilon), weightDecay: Float(config.weightDecay))
        schedule = WarmupCosineSchedule(peak: Float(config.learningRate),
                                        minimum: Float(config.learningRate * config.minLearningRateFraction),
                                        warmupSteps: config.warmupSteps, totalSteps: config.totalSteps)
    }

    /// One optimizer step on `batch`: forward + backward in `.train` mode spread over `DataParallel`
    /// (dropout from splits of `state.rng`), clip, AdamW at the schedule's rate. A non-finite loss or
    /// gradient norm leaves the weights and moments untouched (`applied == false`) and counts in
    /// `state.nonFiniteSteps`. Advances `state.step`.
    public func step(_ batch: Batch) -> StepReport {
        let learningRate = schedule.learningRate(at: state.step)
        optimizer.zeroGrad()
        let lossValue = group.size > 1 ? Double(replicatedLossAndGradients(batch, step: state.step + 1))
            : Double(parallel.lossAndGradients(batch, mode: .train, rng: &state.rng))
        var norm = Double.nan
        var applied = false
        if lossValue.isFinite {
            norm = Double(clipGradientNorm(model.parameters, maxNorm: Float(config.clipNorm)))
            if norm.isFinite {
                optimizer.step(learningRate: learningRate)
                applied = true
            }
        }
        optimizer.zeroGrad()
        if !applied { state.nonFiniteSteps += 1 }
        state.step += 1
        return StepReport(step: state.step, epoch: state.sampler.epoch, loss: lossValue, gradNorm: norm,
                          learningRate: Double(learningRate), applied: applied, samples: batch.batchSize,
                          validationLoss: nil)
    }

    /// Weighted mean NLL over `windows` of `dataset` in `.eval` mode (no dropout, no gradients),
    /// in batches of `batchSize`; 0 windows → nan.
    public func validationLoss(_ dataset: WindowedDataset, windows: [WindowRef], batchSize: Int) -> Double {
        if group.size > 1 { return replicatedValidationLoss(dataset, windows: windows, batchSize: batchSize) }
        var total = 0.0, weight = 0.0
        var rng = RandomGenerator(seed: 0)   // `.eval` draws nothing; the loss API wants a generator
        var start = 0
        while start < windows.count {
            let chunk = Array(windows[start..<min(start + batchSize, windows.count)])
            let batch = dataset.batch(chunk)
            let w = batch.mask.reduce(0.0) { $0 + Double($1) }
            if w > 0 {
                let loss = Autograd.withoutRecording { model.loss(batch, mode: .eval, rng: &rng).item }
                total += Double(loss) * w
                weight += w
            }
            start += batchSize
        }
        return weight > 0 ? total / weight : .nan
    }

    /// Trains on `data` until `state.step == stopStep` or early stopping.
    ///
    /// After every step: validation every `eval_every` steps (updating the early-stopping counters),
    /// `afterStep` with the report, and `checkpoint` every `checkpoint_every` steps. At `stopStep`
    /// a validation loss is computed for the report when none was due (it does not touch the
    /// early-stopping counters, so a run stopped and resumed there is the same as one that went on).
    /// Throws `TrainingError` naming the step when more than `max_non_finite_steps` steps were skipped;
    /// no checkpoint is written then, so the last good one stays.
    @discardableResult
    public func train(_ data: TrainingData, until stopStep: Int,
                      afterStep: (StepReport) throws -> Void = { _ in },
                      checkpoint: () throws -> Void = {}) throws -> StopReason {
        var batch = Batch(batchSize: config.batchSize, contextLength: data.train.contextLength, horizon: data.train.horizon,
                          featureCount: data.train.normalizer.featureCount)
        var partner = Batch(batchSize: data.augmentation == nil ? 0 : config.batchSize, contextLength: data.train.contextLength,
                            horizon: data.train.horizon, featureCount: data.train.normalizer.featureCount)
        if group.size > 1 { try checkReplicas() }
        while state.step < stopStep {
            if config.earlyStoppingPatience > 0, state.evaluationsSinceBest >= config.earlyStoppingPatience,
               let best = state.bestValidationLoss {
                return .earlyStopped(bestStep: state.bestStep, bestLoss: best)
            }
            let windows = data.sampler.next(&state.sampler, batchSize: config.batchSize)
            if let augmentation = data.augmentation {
                augmentation.fill(&batch, partner: &partner, windows: windows, train: data.train, sampler: data.sampler, step: state.step)
            } else {
                data.train.fill(&batch, windows: windows)
            }
            var report = step(batch)
            if !report.applied && state.nonFiniteSteps > config.maxNonFiniteSteps {
                throw TrainingError(step: report.step, reason: "non-finite \(report.loss.isFinite ? "gradient norm (\(report.gradNorm))" : "loss (\(report.loss))"); "
                                    + "\(state.nonFiniteSteps) steps skipped, more than max_non_finite_steps \(config.maxNonFiniteSteps); the last good checkpoint is kept")
            }
            if let validation = data.validation {
                if state.step % config.evalEvery == 0 {
                    let loss = validationLoss(validation, windows: data.validationWindows, batchSize: config.batchSize)
                    report.validationLoss = loss
                    if let best = state.bestValidationLoss, !(loss < best) {
                        state.evaluationsSinceBest += 1
                    } else if loss.isFinite {
                        state.bestValidationLoss = loss
                        state.bestStep = state.step
                        state.evaluationsSinceBest = 0
                    }
                } else if state.step == stopStep {
                    report.validationLoss = validationLoss(validation, windows: data.validationWindows, batchSize: config.batchSize)
                }
            }
            if group.size > 1, state.step % replicaCheckEvery == 0 || state.step % config.checkpointEvery == 0 || state.step == stopStep {
                try checkReplicas()
            }
            try afterStep(report)
            if state.step % config.checkpointEvery == 0 { try checkpoint() }
        }
        return .reachedStep(state.step)
    }
}
