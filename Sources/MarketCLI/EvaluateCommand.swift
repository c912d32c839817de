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
            Writes runs/<run>/evaluation_<checkpoint name>.json (or --out) and prints the table.
            """)

    @Option(help: "Checkpoint file (.safetensors) to evaluate.")
    var checkpoint: String

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
        if oosYears < 1 { throw ValidationError("--oos-years must be ≥ 1, found \(oosYears)") }
    }

    func run() throws {
        let setting = try source.load(config: config, seed: nil, command: "evaluate")
        let (report, output) = try TrainingWorkflows.evaluate(setting, checkpoint: URL(fileURLWithPath: checkpoint),
                                                              categories: category.isEmpty ? nil : category,
                                                              start: start.flatMap(CivilDate.parseISO), oosYears: oosYears,
                                                              out: out.map { URL(fileURLWithPath: $0) })
        print(report.table)
        print("evaluate: \(report.categories.count) categories; \(output.relativePath)")
    }
}
