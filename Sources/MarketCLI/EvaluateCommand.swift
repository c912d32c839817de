// `marketgpt evaluate`: a checkpoint's NLL, CRPS, coverage and directional accuracy per category against the baselines.
import ArgumentParser
import Foundation
import MarketData
import MarketModel
import MarketPipeline
import MarketTensor
import MarketTraining
import MarketSupport

/// Scores a checkpoint per category on its held-out period (see `CheckpointEvaluator`) against the
/// random-walk, EWMA and GARCH baselines on the same targets, prints the table and writes JSON.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a checkpoint per category against RW/EWMA/GARCH baselines (NLL, CRPS, coverage, direction, DM tests).",
        discussion: """
            The period scored starts at --start when given, else at the checkpoint's finetune.oos_start (fine-tuned \
            checkpoints) or split.test_start.<category> (pre-training's test split), else the last --oos-years of each \
            category; never a target on or before the checkpoint's train_end.<category>. \
            With an ensemble manifest (pretrain --ensemble K) and/or --samples S > 1 the model's predictive is the \
            equal-weight mixture of the K members × S MC-dropout passes, scored as that mixture; the epistemic variance \
            is reported split into its between-member and within-member (MC) parts. \
            Writes runs/<run>/evaluation_<checkpoint name>.json (or --out) and prints the table.
            """)

    @Option(help: "Checkpoint file (.safetensors) to evaluate, or a deep ensemble's checkpoints/<run>/ensemble.json.")
    var checkpoint: String

    @Option(help: "MC-dropout passes per model (1: one deterministic pass; > 1: the predictive is the mixture of the passes).")
    var samples: Int = 1

    @Option(help: "Seed of the MC-dropout draws (with --samples > 1).")
    var seed: UInt64 = 0

    @Option(help: "Training config YAML (its training: section names the universe and data).")
    var config: String = "configs/finetune.yaml"

    @Option(help: "Category to evaluate (repeatable; default: the checkpoint's fine-tuned category, else all).")
    var category: [String] = []

    @Option(help: "First day scored, YYYY-MM-DD (overrides the checkpoint's split).")
    var start: String?

    @Option(help: "Years scored at the end of each category when the checkpoint names no split.")
    var oosYears: Int = 2

    @Option(help: "JSON output file (default runs/<run>/evaluation_<checkpoint>.json).")
    var out: String?

    @OptionGroup var source: TrainingSourceOptions

    func validate() throws {
        if let start, CivilDate.parseISO(start) == nil { throw ValidationError("--start must be YYYY-MM-DD, found '\(start)'") }
        try requireOption("--oos-years", oosYears, in: OptionLimits.years)
        try requireOption("--samples", samples, in: OptionLimits.samples)
    }

    func run() throws {
        let setting = try source.load(config: config, seed: nil, command: "evaluate")
        let (report, output) = try TrainingWorkflows.evaluate(setting, checkpoint: URL(fileURLWithPath: checkpoint),
                                                              categories: category.isEmpty ? nil : category,
                                                              start: start.flatMap(CivilDate.parseISO), oosYears: oosYears,
                                                              samples: samples, seed: seed, out: out.map { URL(fileURLWithPath: $0) })
        print(report.table)
        print(report.uncertaintyTable)
        for category in report.categories where category.rolling != nil {
            print("\(category.category): calibrated causally by \(category.rolling!) (refitted as of each date on targets realised by then)")
        }
        print("evaluate: \(report.categories.count) categories; \(output.relativePath)")
    }
}
