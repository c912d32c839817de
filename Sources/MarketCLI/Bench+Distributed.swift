// `marketgpt bench` suite "mpi": the pre-training loop as 1 process × 2 threads against 2 MPI ranks × 1 thread.
import Foundation
import MarketData
import MarketPipeline
import MarketModel
import MarketDistributed
import MarketTensor
import MarketTraining

extension BenchSuite {
    /// On the real sample (as suite "pretrain"): 20 steps of the reference model, batch 32, in this process with
    /// its threads; then the same 20 steps as `mpirun -np 2` ranks with `MARKETGPT_THREADS=1` (this binary again, `bench
    /// --only mpi --json` under mpirun), the per-step seconds rank 0 spent in collectives (gradient all-reduce plus
    /// waiting for the other rank), and a bare all-reduce of the reference gradient's size. Without the real data
    /// folder or `mpirun` the suite reports nothing.
    static let mpi = BenchSuite(name: "mpi") {
        if MPIProcessGroup.launchedByMPI() { return try mpiRank() }
        guard let folder = BenchSuite.realDataFolder() else {
            FileHandle.standardError.write(Data("bench mpi: no real data folder (set MARKETGPT_REAL_DATA); skipped\n".utf8))
            return []
        }
        guard let mpirun = executableOnPath("mpirun") else {
            FileHandle.standardError.write(Data("bench mpi: mpirun not found (scripts/setup.sh installs openmpi-bin); skipped\n".utf8))
            return []
        }
        let real = try realUniverse(folder)
        let single = try pretrainRate(TrainingInputs(loaded: real.filled))
        let ranks = try launchRanks(mpirun, count: 2)
        let twoRanks = ranks["mpi_rank_samples_per_s"] ?? .nan
        return [
            BenchFigure(name: "mpi_1x\(Parallel.threadCount)_samples_per_s", value: single.wall, unit: "samples/s",
                        target: "1 process x \(Parallel.threadCount) threads"),
            BenchFigure(name: "mpi_2x1_samples_per_s", value: twoRanks, unit: "samples/s", target: "2 ranks x 1 thread"),
            BenchFigure(name: "mpi_2x1_efficiency", value: twoRanks / single.wall, unit: "x", target: "vs 1 process"),
            BenchFigure(name: "mpi_2x1_collective_s_per_step", value: ranks["mpi_rank_collective_s_per_step"] ?? .nan, unit: "s",
                        target: "rank 0: all-reduce + wait"),
            BenchFigure(name: "mpi_allreduce_reference_s", value: ranks["mpi_rank_allreduce_s"] ?? .nan, unit: "s",
                        target: "bare, 0.9 M floats, 2 ranks"),
        ]
    }

    /// This rank's part under mpirun: the 20 training steps over the world group, then 20 bare all-reduces of the
    /// reference model's gradient size after a barrier; figures from rank 0 only.
    static func mpiRank() throws -> [BenchFigure] {
        let group = try MPIProcessGroup.start(timeout: 600)
        guard let folder = BenchSuite.realDataFolder() else { throw DistributedError("bench mpi: no real data folder on rank \(group.rank)") }
        let real = try realUniverse(folder)   // each rank is its own process: it reads the sample itself
        let rate = try pretrainRate(TrainingInputs(loaded: real.filled), group: group)
        var gradient = [Float](repeating: 1, count: MarketGPT(config: ModelConfig(), seed: 1).parameterCount)   // the reference model
        group.barrier(what: "the bench barrier")
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<20 { gradient.withUnsafeMutableBufferPointer { group.allReduceSum($0, what: "the bench all-reduce") } }
        let allReduce = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 / 20
        guard group.isRoot else { return [] }
        return [
            BenchFigure(name: "mpi_rank_samples_per_s", value: rate.wall, unit: "samples/s", target: "global batch"),
            BenchFigure(name: "mpi_rank_collective_s_per_step", value: rate.collectivePerStep, unit: "s", target: ""),
            BenchFigure(name: "mpi_rank_allreduce_s", value: allReduce, unit: "s", target: ""),
        ]
    }

    /// Runs `bench --only mpi --json` under `mpirun -np count` (one thread per rank) and returns rank 0's figures.
    static func launchRanks(_ mpirun: URL, count: Int) throws -> [String: Double] {
        let process = Process()
        process.executableURL = mpirun
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        process.arguments = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["-np", String(count), me, "bench", "--only", "mpi", "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment["MARKETGPT_THREADS"] = "1"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DistributedError("bench mpi: mpirun -np \(count) exited with \(process.terminationStatus)") }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double], object["mpi_rank_samples_per_s"] != nil {
                return object
            }
        }
        throw DistributedError("bench mpi: rank 0 reported no figures")
    }

    /// `name` in a folder of PATH, if executable.
    static func executableOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
