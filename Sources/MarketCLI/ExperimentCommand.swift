// `marketgpt experiment`: the whole forecasting protocol (ExperimentRunner) from configs/experiment.yaml.
import ArgumentParser
import Foundation
import MarketData
import MarketSignals
import MarketPipeline
import MarketTensor
import MarketTraining
import MarketSupport

/// Loads the experiment config and the universe, runs `ExperimentRunner`, prints the targets summary.
/// Outputs: `runs/<run>/report.json`, `report.md`, SVG charts; `checkpoints/<run>/` with the calibrated checkpoints.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run the forecasting protocol: pre-train with per-category cuts, calibrate, walk-forward fine-tune, score vs RW/EWMA/GARCH/GARCH-t.",
        discussion: """
            Per category: pre-training stops before its validation start (train_end recorded); the calibration is \
            fitted on held-out rows only; the walk-forward runs over the validation period (score, then fine-tune, \
            keep an update only if its held-out tail's NLL does not worsen); every forecaster is scored on exactly \
            the same targets of the category's test period. Writes runs/<run>/report.json, report.md and SVG charts; \
            progress and ETA on stderr. Then (strategy.enabled, default) the signal rule is fitted per category on the \
            pre-trained checkpoint's validation period (calibrate-signals), the test period is traded with it and the \
            strategy report (vs equal-weight buy-and-hold, costs, PSR/DSR with the search's trials) is added to the \
            report; files in runs/<run>/strategy/.
            """)

    @Option(help: "Experiment config YAML (model, training, finetune, walk_forward, calibrate, categories).")
    var config: String = "configs/experiment.yaml"

    @OptionGroup var pretrainRun: PretrainRunOptions

    @OptionGroup var source: TrainingSourceOptions

    @Flag(help: "Reuse checkpoints/<run>/pretrained.safetensors instead of pre-training again.")
    var reusePretrained = false

    func run() throws {
        var experiment: ExperimentConfig
        do { experiment = try ExperimentConfig.load(URL(fileURLWithPath: config)) } catch let error as ConfigError {
            throw DataCommandFailure(error.description)
        }
        if let seed = pretrainRun.seed { experiment.training.seed = seed; experiment.finetune.seed = seed }
        if let run = source.runName { experiment.training.run = run }
        if let universe = source.universe { experiment.training.universe = universe }
        if let data = source.data { experiment.training.data = data }
        let setting: TrainingUniverse
        do { setting = try TrainingUniverse.load(runConfig: experiment.pretraining, command: "experiment") } catch let error as PipelineError {
            throw DataCommandFailure(error.description)
        }
        let run = experiment.training.run
        var runner = ExperimentRunner(config: experiment,
                                      checkpointDirectory: URL(fileURLWithPath: "checkpoints").appendingPathComponent(run),
                                      runDirectory: URL(fileURLWithPath: "runs").appendingPathComponent(run),
                                      progress: { TrainingUniverse.log($0) })
        runner.reusePretrained = reusePretrained
        runner.pretrainStopStep = pretrainRun.steps
        let record = CommandRun(kind: .experiment, name: run, config: config, universe: experiment.training.universe,
                                seed: experiment.training.seed, notify: experiment.notify)
        let report: ExperimentReport = try record.run {
            do { return try runner.run(store: setting.store, idTable: setting.idTable) } catch let error as TrainingError {
                throw DataCommandFailure("experiment: \(error.description)")
            } catch let error as TensorError {
                throw DataCommandFailure(error.description)
            }
        }
        let t = report.targets
        print("experiment: run \(run): \(report.categories.count) categories; coverage within ±2 pp \(t.coverageWithin2pp.count)/\(t.categories), "
              + "beats GARCH-t (DM p < 0.05) \(t.beatsGarchT.count)/\(t.categories), fine-tuned no worse \(t.finetunedNoWorse.count)/\(t.categories); "
              + "runs/\(run)/report.md, report.json (\(String(format: "%.0f", report.seconds)) s)")
        if experiment.strategy.enabled {
            let runDirectory = URL(fileURLWithPath: "runs").appendingPathComponent(run)
            let result = try record.run {
                let result = try ExperimentStrategy.run(
                    checkpoint: URL(fileURLWithPath: "checkpoints").appendingPathComponent(run).appendingPathComponent("pretrained.safetensors"),
                    universe: URL(fileURLWithPath: experiment.training.universe), data: URL(fileURLWithPath: experiment.training.data),
                    runDirectory: runDirectory, section: experiment.strategy, seed: experiment.training.seed,
                    categories: experiment.categories) { TrainingUniverse.log($0) }
                try ExperimentStrategy.appendToReport(result, runDirectory: runDirectory)
                return result
            }
            if let pooled = result.report.strategy?.pooled { print("experiment: test-period strategy (runs/\(run)/strategy/): \(pooled.verdict)") }
        }
        let (metrics, artefacts) = Self.registryEntries(report, checkpoints: runner.checkpointDirectory, runDirectory: runner.runDirectory)
        record.finish(metrics: metrics, artefacts: artefacts,
                      checkpoint: runner.checkpointDirectory.appendingPathComponent(SignalModelSet.pretrainedFileName).relativePath,
                      text: "MarketGPT experiment \(run): finished \(report.categories.map(\.name).joined(separator: ", ")) in \(Int(report.seconds)) s; "
                          + "coverage within ±2 pp \(t.coverageWithin2pp.count)/\(t.categories), beats GARCH-t \(t.beatsGarchT.count)/\(t.categories)")
    }

    /// What the registry keeps of an experiment: per category the test-period NLL, CRPS and interval coverage
    /// of the calibrated fine-tuned model (`nll.<K>`, `crps.<K>`, `coverage50.<K>`, `coverage90.<K>`), the target
    /// counts and seconds; the reports and each category's fine-tuned checkpoint (`checkpoint.<K>`, promotable).
    static func registryEntries(_ report: ExperimentReport, checkpoints: URL, runDirectory: URL) -> (metrics: [String: Double], artefacts: [String: String]) {
        var metrics: [String: Double] = ["categories": Double(report.targets.categories), "seconds": report.seconds,
                                         "pretrain_steps": Double(report.pretrainSteps),
                                         "coverage_within_2pp": Double(report.targets.coverageWithin2pp.count),
                                         "beats_garch_t": Double(report.targets.beatsGarchT.count),
                                         "finetuned_no_worse": Double(report.targets.finetunedNoWorse.count)]
        var artefacts = ["report": runDirectory.appendingPathComponent("report.json").relativePath,
                         "report_md": runDirectory.appendingPathComponent("report.md").relativePath]
        for group in report.categories + [report.pooled].compactMap({ $0 }) {
            if let card = group.scores["finetuned_calibrated"] {
                metrics["nll.\(group.name)"] = card.nll
                metrics["crps.\(group.name)"] = card.crps
                metrics["coverage50.\(group.name)"] = card.coverage50
                metrics["coverage90.\(group.name)"] = card.coverage90
            }
            guard group.name != "pooled" else { continue }
            let file = checkpoints.appendingPathComponent(SignalModelSet.finetunedFileName(category: group.name))
            if FileManager.default.fileExists(atPath: file.path) { artefacts["checkpoint.\(group.name)"] = file.relativePath }
        }
        return (metrics, artefacts)
    }
}
