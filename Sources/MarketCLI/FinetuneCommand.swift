// `marketgpt finetune`: walk-forward fine-tuning of one category (or each in turn) from a pretrained checkpoint, then the OOS test.
import ArgumentParser
import Foundation
import MarketData
import MarketOps
import MarketModel
import MarketPipeline
import MarketTensor
import MarketSynthetic
import MarketTraining

/// Loads the config's universe and data (gaps filled, synthetic bars flagged and never scored), then
/// runs `FineTuneRunner`: for each category, evaluate-then-fine-tune over `--window-months` windows
/// before the final `--oos-years`, then the out-of-sample test of the pretrained and fine-tuned model
/// against the random-walk, EWMA and GARCH baselines, with Diebold–Mariano tests.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Walk-forward fine-tuning per category, then out-of-sample evaluation against RW/EWMA/GARCH baselines.",
        discussion: """
            Writes checkpoints/<run>/model_finetuned_<K>.safetensors (+ .state.safetensors), runs/<run>/walkforward_<K>.csv \
            (one row per window: model and baseline metrics, DM tests), coverage_<K>.svg, pit_<K>.svg, nll_windows_<K>.svg \
            and runs/<run>/report.json, and prints the out-of-sample table (pretrained vs fine-tuned vs baselines). \
            The final --oos-years of each category are never trained on; each window is scored before it is trained on, \
            and training stops H bars (the purge) before the next window.

            --fall-back (config finetune.fall_back): the last update trains without its last --guard-bars bars; when the \
            fine-tuned path scored worse on the windows than the pre-trained model, or the final weights worse on those \
            held-out bars, the fine-tuned checkpoint gets the pre-trained weights and calibration byte for byte (report.json: fellBack). \
            --fall-back-significance α (config finetune.fall_back_significance, as the experiment's walk_forward.fall_back_significance) \
            tightens the gate: the fine-tuned weights are kept only when they beat the pre-trained ones on both the windows and \
            the held-out bars with a Diebold–Mariano p < α (report.json: fallBackSignificance, windowsDieboldMariano, tailDieboldMariano).

            Under `mpirun -np N`, --category all spreads the categories over the ranks (category i on rank i mod N); rank 0 \
            writes every file, and the files equal those of the sequential run with the same threads per process.
            """)

    @Option(help: "Training config YAML (model: + training: sections; training: supplies learning rate, batch size, universe, data).")
    var config: String = "configs/finetune.yaml"

    @Option(help: "Category name from the universe, or 'all' for each category in turn.")
    var category: String

    @Option(name: .customLong("from"), help: "Pretrained checkpoint (default checkpoints/<run>/pretrained.safetensors).")
    var from: String?

    @Option(help: "Calendar months per walk-forward window.")
    var windowMonths: Int = 6

    @Option(help: "Years held out at the end of each category as the out-of-sample period.")
    var oosYears: Int = 2

    @Option(help: "Passes over each window's training bars.")
    var epochs: Int = 3

    @Option(help: "Walk forward over only the last Y years before the out-of-sample period (default: all history after the first year).")
    var walkForwardYears: Int?

    @Option(help: "Months of data before each window's end used for its fine-tuning pass (0: all earlier data).")
    var trainMonths: Int = 24

    @Option(help: "At most this many optimizer steps per window (quick runs).")
    var maxStepsPerWindow: Int?

    @Flag(inversion: .prefixedNo, help: "Return the pre-trained weights and calibration (byte for byte) when fine-tuning scored a worse NLL on the walk-forward windows or the final weights on the last update's held-out tail (overrides finetune.fall_back).")
    var fallBack: Bool?

    @Option(help: "Bars per asset the last update holds out for the fall-back check (overrides finetune.guard_bars).")
    var guardBars: Int?

    @Option(help: "With the fall-back: keep the fine-tuned weights only when they beat the pre-trained ones on both the windows and the held-out tail with a Diebold–Mariano p below this, in (0, 1) (overrides finetune.fall_back_significance).")
    var fallBackSignificance: Double?

    @Option(help: "Seed of the fine-tuning batches and dropout (overrides training.seed).")
    var seed: UInt64?

    @OptionGroup var source: TrainingSourceOptions

    @OptionGroup var distributed: DistributedOptions

    func validate() throws {
        try requireOption("--window-months", windowMonths, in: OptionLimits.windowMonths)
        try requireOption("--oos-years", oosYears, in: OptionLimits.years)
        try requireOption("--epochs", epochs, in: OptionLimits.epochs)
        if let walkForwardYears { try requireOption("--walk-forward-years", walkForwardYears, in: OptionLimits.years) }
        try requireOption("--train-months", trainMonths, in: OptionLimits.trainMonths)
        if let maxStepsPerWindow { try requireOption("--max-steps-per-window", maxStepsPerWindow, in: OptionLimits.stepsPerWindow) }
        if let guardBars { try requireOption("--guard-bars", guardBars, in: OptionLimits.guardBars) }
        if let fallBackSignificance {
            try requireOption("--fall-back-significance", fallBackSignificance, in: OptionLimits.significance)
            if fallBack == false { throw ValidationError("--fall-back-significance needs the fall-back gate (drop --no-fall-back)") }
        }
    }

    func run() throws {
        let group = try distributed.processGroup()
        let setting = try source.load(config: config, seed: seed, command: "finetune", quiet: !group.isRoot)
        let training = setting.config.training
        let names = category == "all" ? setting.idTable.categories : [category]
        var options = WalkForwardOptions()
        options.windowMonths = windowMonths
        options.oosYears = oosYears
        options.epochs = epochs
        options.walkForwardYears = walkForwardYears
        options.trainMonths = trainMonths == 0 ? nil : trainMonths
        options.maxStepsPerWindow = maxStepsPerWindow
        options.seed = training.seed
        options.fallBackUnlessWindowsImprove = fallBack ?? setting.config.finetune.fallBack
        options.guardBars = guardBars ?? setting.config.finetune.guardBars
        // --no-fall-back turns the whole gate off (the config's significance with it).
        options.fallBackSignificance = options.fallBackUnlessWindowsImprove ? fallBackSignificance ?? setting.config.finetune.fallBackSignificance : nil
        if fallBackSignificance != nil && !options.fallBackUnlessWindowsImprove {
            throw ValidationError("--fall-back-significance needs the fall-back gate (--fall-back or finetune.fall_back: true in \(config))")
        }
        let checkpointDirectory = try RunFolders().checkpointDirectory(training.run)
        let record = CommandRun(kind: .finetune, name: training.run, config: config, universe: training.universe, seed: training.seed,
                                notify: setting.config.notify, active: group.isRoot)
        let report = try record.run {
            try TrainingWorkflows.finetune(setting, categories: names, checkpoint: from.map { URL(fileURLWithPath: $0) },
                                           options: options, onCheckpoint: { category in
                record.post(.checkpoint, text: "MarketGPT finetune \(training.run): checkpoint model_finetuned_\(category) written",
                            fields: ["category": category])
            }, group: group) { line in TrainingUniverse.log(group.isRoot ? line : "rank \(group.rank): \(line)") }
        }
        guard group.isRoot else { return }
        print(report.table)
        for result in report.categories where result.outOfSampleOverlapsPretraining {
            print("note: \(result.category): the out-of-sample period (from \(result.outOfSampleStart)) overlaps the pretrained model's training data; its pretrained OOS numbers are optimistic")
        }
        print(String(format: "finetune: run %@: %d categories in %.1f s; runs/%@/report.json", training.run, report.categories.count, report.seconds, training.run))
        var artefacts = ["report": "runs/\(training.run)/report.json"]
        var metrics: [String: Double] = ["categories": Double(report.categories.count), "seconds": report.seconds]
        for result in report.categories {
            artefacts["checkpoint.\(result.category)"] = checkpointDirectory.appendingPathComponent("model_finetuned_\(result.category).safetensors").relativePath
            metrics["fine_tune_steps.\(result.category)"] = Double(result.fineTuneSteps)
        }
        record.finish(metrics: metrics, artefacts: artefacts,
                      text: "MarketGPT finetune \(training.run): finished \(report.categories.map(\.category).joined(separator: ", ")) in \(Int(report.seconds)) s")
    }
}
