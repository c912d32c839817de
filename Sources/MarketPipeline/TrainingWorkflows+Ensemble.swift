// `pretrain --ensemble K`: K pre-training runs with seeds seed, seed+1, … into one checkpoint set described by ensemble.json.
import Foundation
import MarketData
import MarketModel
import MarketTraining

/// What an ensemble pre-training did.
public struct EnsemblePretrainingSummary {
    /// `checkpoints/<run>/ensemble.json`.
    public var manifestURL: URL
    /// The manifest as written (all K members).
    public var manifest: EnsembleManifest
    /// Per member, the summary of the run this call made (nil: the member was already finished and was kept).
    public var runs: [PretrainingSummary?]
}

extension TrainingWorkflows {
    /// Pre-trains K members one after another (member k: seed `training.seed + k`, outputs in
    /// `checkpoints/<run>/member_<k>/` and `runs/<run>/member_<k>/`) and records each finished member in
    /// `checkpoints/<run>/ensemble.json` (`EnsembleManifest`, rewritten atomically after each member).
    ///
    /// `resume`: members the manifest lists as finished (hash verified) are kept, an interrupted member resumes
    /// from its own checkpoint, the rest start. Without `resume` or `overwrite` an existing manifest or member is
    /// an error; `overwrite` trains every member again from step 0. The run folder is locked for the whole set.
    ///
    /// `group` (under mpirun): every member is trained data parallel by all ranks (each member equals its
    /// single-process run as `Pretrainer` guarantees); rank 0 alone locks the folder, checks and writes the manifest
    /// and decides which members remain, the other ranks follow its decisions (their summary's manifest is empty).
    public static func pretrainEnsemble(_ universe: TrainingUniverse, members: Int, stopStep: Int?, resume: Bool, overwrite: Bool = false,
                                        folders: RunFolders = RunFolders(), log: (String) -> Void = TrainingUniverse.log,
                                        group: ProcessGroup = SingleProcess.shared,
                                        configure: (inout PretrainingOptions) -> Void = { _ in }) throws -> EnsemblePretrainingSummary {
        guard members >= 1 && members <= 64 else { throw PipelineError("pretrain: --ensemble must be in 1…64, found \(members)") }
        let run = universe.config.training.run, seed = universe.config.training.seed
        let directory = try folders.checkpointDirectory(run), runDirectory = try folders.runDirectory(run)
        let manifestURL = directory.appendingPathComponent(EnsembleManifest.fileName)
        var lock: RunLock?
        if group.isRoot {
            do { lock = try RunLock.acquire(folder: directory, command: "pretrain --ensemble run '\(run)'") } catch let error as RunLockError {
                throw PipelineError("pretrain: \(error.description)")
            }
        }
        defer { lock?.release() }
        var manifest = EnsembleManifest(run: run, plannedMembers: members, seed: seed)
        let exists = group.isRoot && FileManager.default.fileExists(atPath: manifestURL.path)
        if exists && !resume && !overwrite {
            throw PipelineError("pretrain: \(manifestURL.path) exists: ensemble '\(run)' was already trained; use --resume to finish it or --overwrite to train it again")
        }
        if exists && resume {
            let previous = try PipelineError.wrap { try EnsembleManifest.read(manifestURL) }
            guard previous.plannedMembers == members, previous.seed == seed else {
                throw PipelineError("pretrain: --resume: \(manifestURL.path) plans \(previous.plannedMembers) members with seed \(previous.seed), "
                                    + "the command asks for \(members) with seed \(seed)")
            }
            for (member, url) in zip(previous.members, previous.memberURLs(directory: directory)) {
                let file = try PipelineError.wrap { try ModelCheckpoint.read(url) }
                guard file.contentHash == member.contentHash else {
                    throw PipelineError("pretrain: --resume: \(url.path) has content hash \(file.contentHash ?? "none"), \(manifestURL.lastPathComponent) "
                                        + "recorded \(member.contentHash) (the member was replaced); use --overwrite")
                }
            }
            manifest.members = previous.members
        }
        // Rank 0's verdict (members already finished) reaches every rank; an error above ended the job instead.
        let finished = group.size > 1 ? Int(group.allGather(UInt64(manifest.members.count), what: "the ensemble's start-up (rank 0 reads the manifest)")[0])
            : manifest.members.count
        var runs = [PretrainingSummary?](repeating: nil, count: members)
        for k in finished..<members {
            var config = universe.config
            config.training.seed = EnsembleManifest.memberSeed(base: seed, index: k)
            let name = EnsembleManifest.memberDirectoryName(k)
            let memberDirectory = directory.appendingPathComponent(name)
            let files = TrainingCheckpoint(directory: memberDirectory)
            // A member killed mid-checkpoint: complete (or drop) its interrupted write first (the set's lock is held).
            if resume && group.isRoot { _ = try PipelineError.wrap { try files.recover() } }
            var resumeMember = resume && files.exists
            if group.size > 1 {   // rank 0 repaired the member's folder; its view decides
                resumeMember = group.allGather(resumeMember ? 1 : 0, what: "the resume decision of ensemble member \(k)")[0] == 1
            }
            if group.isRoot { log("pretrain: ensemble member \(k + 1)/\(members) (seed \(config.training.seed))\(resumeMember ? ", resuming" : "")") }
            var options = PretrainingOptions(config: config, stopStep: stopStep, checkpointDirectory: memberDirectory,
                                             runDirectory: runDirectory.appendingPathComponent(name),
                                             resume: resumeMember, overwrite: overwrite || (resume && !resumeMember))
            options.syntheticAugmentation = universe.syntheticAugmentation
            options.group = group
            configure(&options)
            let summary: PretrainingSummary
            do { summary = try Pretrainer.run(store: universe.store, idTable: universe.idTable, options: options) } catch let error as TrainingError {
                throw PipelineError("pretrain: ensemble member \(k): \(error.description)")
            } catch { return try PipelineError.wrap { throw error } }
            runs[k] = summary
            guard group.isRoot else { continue }
            let written = try PipelineError.wrap { try ModelCheckpoint.read(files.weightsURL) }
            manifest.members.append(.init(index: k, seed: config.training.seed, file: "\(name)/\(files.weightsURL.lastPathComponent)",
                                          contentHash: written.contentHash ?? "", step: summary.step))
            do { try manifest.write(to: manifestURL) } catch {
                throw PipelineError("\(manifestURL.path): cannot write the ensemble manifest (\((error as NSError).localizedDescription))")
            }
        }
        return EnsemblePretrainingSummary(manifestURL: manifestURL, manifest: manifest, runs: runs)
    }
}
