// The options every training command shares: where the run's outputs go and which universe and data it reads.
import ArgumentParser
import MarketData
import MarketPipeline

/// `--run`, `--universe`, `--data` of pretrain, finetune and evaluate.
struct TrainingSourceOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "Run name: outputs go to runs/NAME/ and checkpoints/NAME/ (overrides training.run).")
    var runName: String?

    @Option(help: "Universe YAML (overrides training.universe).")
    var universe: String?

    @Option(help: "Data folder of OHLCV CSVs (overrides training.data).")
    var data: String?

    func validate() throws {
        if let runName, let problem = PathName.problem(runName) {
            throw ValidationError("--run must be one folder name (no '/', '\\', '..' or control characters): \(PathName.quoted(runName)) \(problem)")
        }
    }

    /// Loads the config at `config` with these overrides (and `seed`) applied; see `TrainingUniverse.load`.
    /// `quiet` (ranks other than 0 of an mpirun job) drops the progress line.
    func load(config: String, seed: UInt64?, command: String, quiet: Bool = false) throws -> TrainingUniverse {
        try TrainingUniverse.load(config: config, overrides: .init(seed: seed, run: runName, universe: universe, data: data), command: command,
                                  log: quiet ? { _ in } : TrainingUniverse.log)
    }
}

/// `--steps` and `--seed` of the commands that pre-train (pretrain, experiment).
struct PretrainRunOptions: ParsableArguments {
    @Option(help: "Stop pre-training when the run's optimizer step reaches N (default: training.total_steps; a resumed run counts the steps already done).")
    var steps: Int?

    @Option(help: "Seed fixing initialisation, batches and dropout (overrides training.seed).")
    var seed: UInt64?

    func validate() throws {
        if let steps { try requireOption("--steps", steps, in: OptionLimits.steps) }
    }
}
