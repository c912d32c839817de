// The training workflows behind `pretrain`, `finetune` and `evaluate` (and any server or scheduler): the folder
// conventions (`runs/<run>/`, `checkpoints/<run>/`) and the calls into MarketTraining, in one place.
import Foundation
import MarketData
import MarketModel
import MarketTraining
import MarketSupport

/// Where a run's outputs go, relative to a root folder (the working directory of the CLI).
public struct RunFolders: Sendable {
    /// The folder `runs/` and `checkpoints/` live in (nil: the working directory, paths stay relative).
    public var root: URL?

    public init(root: URL? = nil) { self.root = root }

    /// `<root>/<name>/<run>`, the run name checked to be one safe folder name (`PathName`), so nothing is
    /// written outside `<root>/<name>`.
    private func folder(_ name: String, _ run: String) throws -> URL {
        let parent = root?.appendingPathComponent(name) ?? URL(fileURLWithPath: name)
        return try PipelineError.wrap { try PathName.child(parent, run, what: "run name") }
    }

    /// `runs/<run>`: metrics, reports, plots.
    public func runDirectory(_ run: String) throws -> URL { try folder("runs", run) }
    /// `checkpoints/<run>`: weights and optimizer state.
    public func checkpointDirectory(_ run: String) throws -> URL { try folder("checkpoints", run) }
}

/// The training entry points. Each takes a loaded `TrainingUniverse` and throws `PipelineError` with one line.
public enum TrainingWorkflows {
    /// Pre-trains on the whole universe (see `Pretrainer`), stopping at `stopStep` when given, resuming from
    /// `checkpoints/<run>/` when `resume`, starting an existing run again when `overwrite`.
    /// `configure` may set hooks (`onCheckpoint`, `onEpoch`) on the options before the run.
    public static func pretrain(_ universe: TrainingUniverse, stopStep: Int?, resume: Bool, overwrite: Bool = false,
                                folders: RunFolders = RunFolders(),
                                configure: (inout PretrainingOptions) -> Void = { _ in }) throws -> PretrainingSummary {
        let run = universe.config.training.run
        var options = PretrainingOptions(config: universe.config, stopStep: stopStep,
                                         checkpointDirectory: try folders.checkpointDirectory(run),
                                         runDirectory: try folders.runDirectory(run), resume: resume, overwrite: overwrite)
        options.syntheticAugmentation = universe.syntheticAugmentation
        configure(&options)
        do { return try Pretrainer.run(store: universe.store, idTable: universe.idTable, options: options) } catch let error as TrainingError {
            throw PipelineError("pretrain: \(error.description)")
        } catch { return try PipelineError.wrap { throw error } }
    }

    /// Walk-forward fine-tuning of `categories` from `checkpoint` (default `checkpoints/<run>/pretrained.safetensors`),
    /// then the out-of-sample test (see `FineTuneRunner`); `progress` gets one line per window, `onCheckpoint`
    /// the category after each fine-tuned checkpoint is written.
    /// `group`: the ranks of an mpirun job sharing the categories (rank 0 writes; see `FineTuneRunner.group`).
    public static func finetune(_ universe: TrainingUniverse, categories: [String], checkpoint: URL?, options: WalkForwardOptions,
                                folders: RunFolders = RunFolders(), onCheckpoint: ((String) -> Void)? = nil,
                                group: ProcessGroup = SingleProcess.shared,
                                progress: @escaping (String) -> Void) throws -> WalkForwardReport {
        let training = universe.config.training
        let checkpointDirectory = try folders.checkpointDirectory(training.run)
        var runner = FineTuneRunner(checkpointURL: checkpoint ?? checkpointDirectory.appendingPathComponent("pretrained.safetensors"),
                                    checkpointDirectory: checkpointDirectory, runDirectory: try folders.runDirectory(training.run),
                                    run: training.run, options: options, training: training)
        runner.onCheckpoint = onCheckpoint
        runner.group = group
        do { return try runner.run(store: universe.store, idTable: universe.idTable, categories: categories, progress: progress) } catch let error as TrainingError {
            throw PipelineError("finetune: \(error.description)")
        } catch { return try PipelineError.wrap { throw error } }
    }

    /// Scores `checkpoint` (a checkpoint file or an ensemble's `ensemble.json`) per category against the baselines
    /// (see `CheckpointEvaluator`; `samples` MC-dropout passes per member, drawn from `seed`) and writes the JSON report
    /// to `out` (default `runs/<run>/evaluation_<checkpoint name>.json`); returns the report and the file.
    public static func evaluate(_ universe: TrainingUniverse, checkpoint: URL, categories: [String]?, start: DayNumber?,
                                oosYears: Int, samples: Int = 1, seed: UInt64 = 0, out: URL?,
                                folders: RunFolders = RunFolders()) throws -> (report: CheckpointEvaluationReport, file: URL) {
        let report: CheckpointEvaluationReport
        do {
            report = try CheckpointEvaluator.evaluate(checkpointURL: checkpoint, store: universe.store, idTable: universe.idTable,
                                                      categories: categories, start: start, oosYears: oosYears, samples: samples, seed: seed)
        } catch let error as TrainingError {
            throw PipelineError("evaluate: \(error.description)")
        } catch { return try PipelineError.wrap { throw error } }
        let name = checkpoint.deletingPathExtension().lastPathComponent
        let output = try out ?? folders.runDirectory(universe.config.training.run).appendingPathComponent("evaluation_\(name).json")
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isFolder), isFolder.boolValue {
            throw PipelineError("\(output.path): --out is a folder; give the report's file name (e.g. \(output.appendingPathComponent("evaluation_\(name).json").path))")
        }
        do { try AtomicFile.write(try ReportJSON.encode(report), to: output) } catch {
            throw PipelineError("\(output.path): cannot write the report (\((error as NSError).localizedDescription))")
        }
        return (report, output)
    }
}
