// The `training:` section of a training config: optimisation, schedule, evaluation, data and run settings.
import MarketSupport
import MarketData

/// How the pre-trainer (and, as the starting point, the fine-tuner) trains. Every field has a
/// default (in brackets); YAML keys are the snake_case names in `CodingKeys`; unknown keys are an
/// error (`StrictYAML`).
public struct TrainingConfig: Codable, Equatable, Sendable, ValidatedConfig {
    /// `batch_size` [32]: windows per optimizer step (B).
    public var batchSize: Int = 32
    /// `learning_rate` [3e-4]: peak AdamW learning rate, reached at the end of warmup.
    public var learningRate: Double = 3e-4
    /// `min_learning_rate_fraction` [0.1]: the cosine decay ends at this fraction of the peak.
    public var minLearningRateFraction: Double = 0.1
    /// `warmup_steps` [200]: linear warmup from 0 to the peak.
    public var warmupSteps: Int = 200
    /// `total_steps` [5000]: optimizer steps of the whole run (defines the schedule; `--steps` only stops early).
    public var totalSteps: Int = 5000
    /// `weight_decay` [0.1]: AdamW decoupled weight decay (matrices only; not biases, norms, embeddings
    /// unless the trainer says otherwise).
    public var weightDecay: Double = 0.1
    /// `adam_beta1` [0.9]: AdamW first-moment decay.
    public var adamBeta1: Double = 0.9
    /// `adam_beta2` [0.95]: AdamW second-moment decay.
    public var adamBeta2: Double = 0.95
    /// `adam_epsilon` [1e-8]: AdamW denominator guard.
    public var adamEpsilon: Double = 1e-8
    /// `clip_norm` [1.0]: global gradient-norm clip (0 = no clipping).
    public var clipNorm: Double = 1.0
    /// `eval_every` [250]: steps between validation evaluations.
    public var evalEvery: Int = 250
    /// `eval_batches` [20]: validation batches per evaluation.
    public var evalBatches: Int = 20
    /// `checkpoint_every` [500]: steps between checkpoints (one is also written when the run stops).
    public var checkpointEvery: Int = 500
    /// `log_every` [10]: steps between metrics.jsonl / TensorBoard records (plus every evaluation).
    public var logEvery: Int = 10
    /// `early_stopping_patience` [5]: evaluations without a new best validation NLL before stopping (0 = never).
    public var earlyStoppingPatience: Int = 5
    /// `max_non_finite_steps` [10]: skipped steps with a non-finite loss or gradient before the run stops.
    public var maxNonFiniteSteps: Int = 10
    /// `synthetic_target_weight` [0.0]: loss weight of targets on synthetic (gap-filled) bars; 0 masks them.
    public var syntheticTargetWeight: Double = 0
    /// `split` [0.90/0.05/0.05]: date-based train/validation/test fractions (test = the last days, never trained on).
    public var split = SplitFractions()
    /// `seed` [42]: fixes every random draw (initialisation, batches, dropout).
    public var seed: UInt64 = 42
    /// `universe` ["universes/global.yaml"]: universe file (`--universe` overrides).
    public var universe: String = "universes/global.yaml"
    /// `data` ["data"]: folder of OHLCV CSVs (`--data` overrides).
    public var data: String = "data"
    /// `run` ["pretrain"]: run name; outputs go to `runs/<run>/` and `checkpoints/<run>/` (`--run` overrides).
    public var run: String = "pretrain"

    /// The defaults.
    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchSize = "batch_size", learningRate = "learning_rate"
        case minLearningRateFraction = "min_learning_rate_fraction", warmupSteps = "warmup_steps"
        case totalSteps = "total_steps", weightDecay = "weight_decay", adamBeta1 = "adam_beta1"
        case adamBeta2 = "adam_beta2", adamEpsilon = "adam_epsilon", clipNorm = "clip_norm"
        case evalEvery = "eval_every", evalBatches = "eval_batches", checkpointEvery = "checkpoint_every"
        case logEvery = "log_every", earlyStoppingPatience = "early_stopping_patience"
        case maxNonFiniteSteps = "max_non_finite_steps", syntheticTargetWeight = "synthetic_target_weight"
        case split, seed, universe, data, run
    }

    /// Decodes with a default for every missing key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfig()
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        minLearningRateFraction = try c.decodeIfPresent(Double.self, forKey: .minLearningRateFraction) ?? d.minLearningRateFraction
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        totalSteps = try c.decodeIfPresent(Int.self, forKey: .totalSteps) ?? d.totalSteps
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        adamBeta1 = try c.decodeIfPresent(Double.self, forKey: .adamBeta1) ?? d.adamBeta1
        adamBeta2 = try c.decodeIfPresent(Double.self, forKey: .adamBeta2) ?? d.adamBeta2
        adamEpsilon = try c.decodeIfPresent(Double.self, forKey: .adamEpsilon) ?? d.adamEpsilon
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm) ?? d.clipNorm
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? d.evalEvery
        evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? d.evalBatches
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? d.checkpointEvery
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? d.logEvery
        earlyStoppingPatience = try c.decodeIfPresent(Int.self, forKey: .earlyStoppingPatience) ?? d.earlyStoppingPatience
        maxNonFiniteSteps = try c.decodeIfPresent(Int.self, forKey: .maxNonFiniteSteps) ?? d.maxNonFiniteSteps
        syntheticTargetWeight = try c.decodeIfPresent(Double.self, forKey: .syntheticTargetWeight) ?? d.syntheticTargetWeight
        split = try c.decodeIfPresent(SplitFractions.self, forKey: .split) ?? d.split
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        universe = try c.decodeIfPresent(String.self, forKey: .universe) ?? d.universe
        data = try c.decodeIfPresent(String.self, forKey: .data) ?? d.data
        run = try c.decodeIfPresent(String.self, forKey: .run) ?? d.run
    }

    /// Checks every range (see each field); throws the first problem with its key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: CodingKeys, _ reason: String) throws {
            if !ok { throw ConfigValueError(keyPath: [key.rawValue], reason: reason) }
        }
        try check((1...65_536).contains(batchSize), .batchSize, "must be in 1...65536, found \(batchSize)")
        try check(learningRate > 0 && learningRate <= 1, .learningRate, "must be in (0, 1], found \(learningRate)")
        try check((0...1).contains(minLearningRateFraction), .minLearningRateFraction, "must be in [0, 1], found \(minLearningRateFraction)")
        try check((1...100_000_000).contains(totalSteps), .totalSteps, "must be in 1...100000000, found \(totalSteps)")
        try check(warmupSteps >= 0 && warmupSteps <= totalSteps, .warmupSteps, "must be in 0…total_steps (\(totalSteps)), found \(warmupSteps)")
        try check(weightDecay >= 0, .weightDecay, "must be ≥ 0, found \(weightDecay)")
        try check((0..<1).contains(adamBeta1), .adamBeta1, "must be in [0, 1), found \(adamBeta1)")
        try check((0..<1).contains(adamBeta2), .adamBeta2, "must be in [0, 1), found \(adamBeta2)")
        try check(adamEpsilon > 0, .adamEpsilon, "must be > 0, found \(adamEpsilon)")
        try check(clipNorm >= 0, .clipNorm, "must be ≥ 0 (0 = off), found \(clipNorm)")
        try check(evalEvery >= 1, .evalEvery, "must be ≥ 1, found \(evalEvery)")
        try check((1...100_000).contains(evalBatches), .evalBatches, "must be in 1...100000, found \(evalBatches)")
        try check(evalBatches * batchSize <= 1_000_000, .evalBatches, "eval_batches × batch_size must be ≤ 1000000 validation windows, found \(evalBatches) × \(batchSize)")
        try check(checkpointEvery >= 1, .checkpointEvery, "must be ≥ 1, found \(checkpointEvery)")
        try check(logEvery >= 1, .logEvery, "must be ≥ 1, found \(logEvery)")
        try check(earlyStoppingPatience >= 0, .earlyStoppingPatience, "must be ≥ 0 (0 = never stop early), found \(earlyStoppingPatience)")
        try check(maxNonFiniteSteps >= 0, .maxNonFiniteSteps, "must be ≥ 0, found \(maxNonFiniteSteps)")
        try check((0...1).contains(syntheticTargetWeight), .syntheticTargetWeight, "must be in [0, 1], found \(syntheticTargetWeight)")
        if let problem = PathName.problem(run) {
            try check(false, .run, "must be one folder name (no '/', '\\', '..' or control characters): \(PathName.quoted(run)) \(problem)")
        }
        do { try split.validate() } catch let error as ConfigValueError { throw error.prefixed(CodingKeys.split.rawValue) }
    }
}

/// Date-based split fractions (`train` [0.90], `validation` [0.05], `test` [0.05]); they sum to 1.
public struct SplitFractions: Codable, Equatable, Sendable, ValidatedConfig {
    public var train: Double = 0.90
    public var validation: Double = 0.05
    public var test: Double = 0.05
    /// Explicit cut dates per category name (`{us_stocks: {validation_start: 2021-01-01, test_start: 2023-01-01}}`);
    /// the other categories are cut at the fractions' quantiles of their own dates. Default none.
    public var categories: [String: CategoryCutConfig]?

    public init(train: Double = 0.90, validation: Double = 0.05, test: Double = 0.05, categories: [String: CategoryCutConfig]? = nil) {
        self.train = train
        self.validation = validation
        self.test = test
        self.categories = categories
    }

    enum CodingKeys: String, CodingKey { case train, validation, test, categories }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.decodeIfPresent(Double.self, forKey: .train) ?? 0.90
        validation = try c.decodeIfPresent(Double.self, forKey: .validation) ?? 0.05
        test = try c.decodeIfPresent(Double.self, forKey: .test) ?? 0.05
        categories = try c.decodeIfPresent([String: CategoryCutConfig].self, forKey: .categories)
    }

    public func validate() throws {
        for (key, value) in [("train", train), ("validation", validation), ("test", test)] where !(0...1).contains(value) {
            throw ConfigValueError(keyPath: [key], reason: "must be in [0, 1], found \(value)")
        }
        guard train > 0 else { throw ConfigValueError(keyPath: ["train"], reason: "must be > 0") }
        guard abs(train + validation + test - 1) <= 1e-6 else {
            throw ConfigValueError(keyPath: [], reason: "train + validation + test = \(train + validation + test), expected 1")
        }
        for (name, cut) in categories ?? [:] {
            do { _ = try cut.dateSplit(category: name) } catch let error as TrainingError {
                throw ConfigValueError(keyPath: ["categories", name], reason: error.reason)
            }
        }
    }
}
