// `marketgpt pretrain`: multi-market pre-training over a gap-filled universe, with exact --resume.
import ArgumentParser
import Foundation
import MarketData
import MarketModel
import MarketPipeline
import MarketOps
import MarketSynthetic
import MarketTensor
import MarketTraining
import MarketSupport

/// Loads the config, the universe and its data, fills gaps (synthetic bars flagged), then runs
/// `Pretrainer` and prints a one-line summary. Outputs: `checkpoints/<run>/pretrained.safetensors`
/// (+ `.state.safetensors`), `runs/<run>/metrics.jsonl` and TensorBoard event files.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pre-train MarketGPT on a whole universe (date split 90/5/5, category-weighted batches, early stopping).",
        discussion: """
            Every option overrides the config file. --steps N stops when the run's optimizer step count reaches N \
            (a resumed run counts the steps already done) and never changes the learning-rate schedule, which \
            training.total_steps defines. --resume continues from checkpoints/<run>/ exactly: the resumed run ends \
            with the same weights as one that was never interrupted. Checkpoints are written every \
            training.checkpoint_every steps and when the run stops (not after a failure: the last good one stays).

            Data parallel over processes and machines: `mpirun -np N marketgpt pretrain …` trains one replica per \
            rank; training.batch_size stays the global batch, cut into disjoint parts over the ranks' workers, and \
            the gradients are summed with one MPI all-reduce per step. Rank 0 alone writes the checkpoint, metrics \
            and progress; every rank reads the checkpoint on --resume. Without mpirun nothing changes.
            """)

    @Option(help: "Training config YAML (model: + training: sections).")
    var config: String = "configs/pretrain.yaml"

    @OptionGroup var pretrainRun: PretrainRunOptions

    @OptionGroup var source: TrainingSourceOptions

    @Flag(help: "Continue from the last checkpoint in checkpoints/<run>/.")
    var resume = false

    @Flag(help: "Start an existing run again from step 0, replacing its checkpoint and metrics (without it, an existing run is an error).")
    var overwrite = false

    @OptionGroup var distributed: DistributedOptions

    @Option(help: ArgumentHelp("Train a deep ensemble of K members (seeds seed, seed+1, …) into checkpoints/<run>/member_<k>/, described by checkpoints/<run>/ensemble.json.",
                               discussion: "Members train one after another; --resume keeps finished members and resumes an interrupted one."))
    var ensemble: Int?

    @Option(help: "Under mpirun: compare a checksum of every rank's weights every N steps (and at every checkpoint); a difference stops the job.")
    var replicaCheckEvery: Int = 50

    func validate() throws {
        if let ensemble { try requireOption("--ensemble", ensemble, in: OptionLimits.ensembleMembers) }
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        try requireOption("--replica-check-every", replicaCheckEvery, in: OptionLimits.replicaCheckEvery)
    }

    func run() throws {
        let group = try distributed.processGroup()
        let setting = try source.load(config: config, seed: pretrainRun.seed, command: "pretrain", quiet: !group.isRoot)
        let training = setting.config.training
        guard training.batchSize >= group.size else {
            throw TrainingError(step: nil, reason: "training.batch_size \(training.batchSize) is smaller than the \(group.size) ranks: every rank needs at least one window of the global batch")
        }
        let record = CommandRun(kind: .pretrain, name: training.run, config: config, universe: training.universe,
                                seed: training.seed, notify: setting.config.notify, active: group.isRoot)
        if let ensemble {
            try runEnsemble(setting, members: ensemble, group: group, record: record)
            return
        }
        let summary = try record.run {
            try TrainingWorkflows.pretrain(setting, stopStep: pretrainRun.steps, resume: resume, overwrite: overwrite) { options in
                options.group = group
                options.replicaCheckEvery = replicaCheckEvery
                options.onCheckpoint = { step in record.post(.checkpoint, text: "MarketGPT pretrain \(training.run): checkpoint at step \(step)", fields: ["step": String(step)]) }
                options.onEpoch = { epoch, loss in
                    record.post(.epoch, text: "MarketGPT pretrain \(training.run): epoch \(epoch) done, loss \(String(format: "%.4f", loss))",
                                fields: ["epoch": String(epoch), "loss": String(loss)])
                }
            }
        }
        guard group.isRoot else { return }
        var metrics: [String: Double] = ["step": Double(summary.step), "samples_per_s": summary.samplesPerSecond, "seconds": summary.seconds,
                                         "parameters": Double(summary.parameterCount)]
        if let loss = summary.lastValidationLoss { metrics["val_loss"] = loss }
        if let loss = summary.bestValidationLoss { metrics["best_val_loss"] = loss }
        let weights = summary.checkpoint.weightsURL.relativePath
        record.finish(metrics: metrics, artefacts: ["checkpoint": weights, "metrics": "runs/\(training.run)/metrics.jsonl"], checkpoint: weights,
                      text: "MarketGPT pretrain \(training.run): finished at step \(summary.step), val_loss \(summary.lastValidationLoss.map { String(format: "%.4f", $0) } ?? "-")")
        let reason: String
        switch summary.stopReason {
        case .reachedStep(let step): reason = "reached step \(step)"
        case .earlyStopped(let bestStep, let bestLoss): reason = "early stop (best val_loss \(String(format: "%.4f", bestLoss)) at step \(bestStep))"
        }
        func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        print("pretrain: run \(training.run): \(reason); step \(summary.resumedFromStep.map { "\($0)→" } ?? "")\(summary.step), "
              + "val_loss \(number(summary.lastValidationLoss)), best \(number(summary.bestValidationLoss)) at step \(summary.bestStep), "
              + "\(String(format: "%.1f", summary.samplesPerSecond)) samples/s, \(summary.parameterCount) parameters, "
              + (group.size > 1 ? "\(group.size) ranks (all-reduce \(String(format: "%.4f", summary.collectiveSeconds / Double(max(summary.step - (summary.resumedFromStep ?? 0), 1)))) s/step on rank 0), " : "")
              + "split \(CivilDate.isoString(summary.split.validationStart))/\(CivilDate.isoString(summary.split.testStart)), "
              + "windows \(summary.windowCounts.train)/\(summary.windowCounts.validation)/\(summary.windowCounts.test); "
              + "checkpoint \(summary.checkpoint.weightsURL.relativePath)")
    }

    /// `--ensemble K`: the members one after another (under mpirun each one data parallel over the ranks), one
    /// summary line each, then the manifest (rank 0 prints).
    private func runEnsemble(_ setting: TrainingUniverse, members: Int, group: ProcessGroup, record: CommandRun) throws {
        let training = setting.config.training
        let summary = try record.run {
            try TrainingWorkflows.pretrainEnsemble(setting, members: members, stopStep: pretrainRun.steps, resume: resume, overwrite: overwrite,
                                                   group: group) { options in
                options.replicaCheckEvery = replicaCheckEvery
                options.onCheckpoint = { step in record.post(.checkpoint, text: "MarketGPT pretrain \(training.run): checkpoint at step \(step)", fields: ["step": String(step)]) }
            }
        }
        guard group.isRoot else { return }
        let manifest = summary.manifestURL.relativePath
        record.finish(metrics: ["members": Double(members)], artefacts: ["checkpoint": manifest], checkpoint: manifest,
                      text: "MarketGPT pretrain \(training.run): ensemble of \(members) finished")
        for (member, run) in zip(summary.manifest.members, summary.runs) {
            let text = run.map { r in "trained to step \(r.step), val_loss \(r.lastValidationLoss.map { String(format: "%.4f", $0) } ?? "-")" } ?? "kept (already trained)"
            print("pretrain: run \(training.run) member \(member.index) (seed \(member.seed)): \(text); \(member.file)")
        }
        print("pretrain: ensemble of \(members) members; \(manifest)")
    }
}
