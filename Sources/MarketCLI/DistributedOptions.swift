// The options of commands that run data parallel under `mpirun` (pretrain, finetune), and the job's start and end.
import ArgumentParser
import Foundation
import MarketDistributed
import MarketTensor
import MarketTraining

/// `--collective-timeout`: read only when `mpirun` started this process.
struct DistributedOptions: ParsableArguments {
    @Option(help: "Under mpirun: seconds one collective (all-reduce, gather) may wait for the other ranks before the job is ended with a message naming the rank and step.")
    var collectiveTimeout: Double = 600

    func validate() throws {
        try requireOption("--collective-timeout", collectiveTimeout, in: OptionLimits.collectiveTimeout)
        if let text = ProcessInfo.processInfo.environment["MARKETGPT_THREADS"], !(Int(text).map { (1...64).contains($0) } ?? false) {
            throw ValidationError("MARKETGPT_THREADS must be a thread count 1…64, found '\(text)'")
        }
    }

    /// The MPI world when `mpirun` started this process (MPI initialised here, BLAS threads set to this rank's
    /// share of the cores), else the single process (MPI never initialised).
    func processGroup() throws -> ProcessGroup {
        guard MPIProcessGroup.launchedByMPI() else { return SingleProcess.shared }
        let group = try MPIProcessGroup.start(timeout: collectiveTimeout)
        setBLASThreads(Parallel.threadCount)
        return group
    }
}

extension MPIProcessGroup {
    /// After a command succeeded: waits for every rank, then ends MPI (no-op without MPI).
    static func finishIfRunning() {
        guard let group = current else { return }
        group.barrier(what: "the final barrier")
        group.finish()
    }

    /// After a command failed on this rank: ends every rank of the job with `code` (no-op without MPI or alone).
    static func abortIfRunning(code: Int32) {
        guard let group = current, group.size > 1 else { return }
        group.abort(code: code)
    }

    /// "rank r: " inside a job of several ranks, "" otherwise (prefix of error lines).
    static var rankPrefix: String {
        guard let group = current, group.size > 1 else { return "" }
        return "rank \(group.rank): "
    }
}
