// End-to-end under `mpirun` (OpenMPI): N ranks equal one process with as many replicas, resume is exact, rank 0 alone
// writes, and a killed or hung rank ends the job with a message. Skipped where `mpirun` is not installed.
import Foundation
import XCTest
import MarketTensor
import MarketTestSupport

final class DistributedPretrainTests: XCTestCase {
    /// The tiny model of `PretrainCommandTests` (dropout on, batch 8: over 3 ranks the parts are 2, 3 and 3 windows) with
    /// 3 validation batches, so validation is spread over the ranks too.
    static let config = PretrainCommandTests.config.replacingOccurrences(of: "eval_batches: 1", with: "eval_batches: 3")

    /// `mpirun` on PATH, or skip.
    static func mpirun() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("mpirun is not installed (Debian: openmpi-bin, see scripts/setup.sh)")
    }

    private func mpirun() throws -> URL { try Self.mpirun() }

    /// `PretrainWorkspace` plus `nodrop.yaml` (the same config without dropout).
    private func workspace() throws -> URL {
        let url = try PretrainWorkspace.make(config: Self.config, test: self)
        try Self.config.replacingOccurrences(of: "dropout: 0.1", with: "dropout: 0.0")
            .write(to: url.appendingPathComponent("nodrop.yaml"), atomically: true, encoding: .utf8)
        return url
    }

    private func pretrain(run: String, steps: Int, config: String = "tiny.yaml") -> [String] {
        PretrainWorkspace.arguments(run: run, steps: steps).map { $0 == "tiny.yaml" ? config : $0 }
    }

    /// The environment of a run: `threads` replicas per process, no registry.
    private func environment(threads: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MARKETGPT_THREADS"] = String(threads)
        environment["MARKETGPT_REGISTRY"] = "off"
        return environment
    }

    /// `marketgpt arguments` alone with `threads` workers.
    private func single(_ arguments: [String], threads: Int, in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = try ProcessOutput.run(CLIRunner.binary, arguments: arguments, in: directory, environment: environment(threads: threads))
        return (out.status, String(decoding: out.stdout, as: UTF8.self), String(decoding: out.stderr, as: UTF8.self))
    }

    /// `mpirun -np ranks marketgpt arguments`, one worker per rank.
    private func ranks(_ count: Int, _ arguments: [String], in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = try ProcessOutput.run(try mpirun(), arguments: ["--allow-run-as-root", "--oversubscribe", "-np", String(count), CLIRunner.binary.path] + arguments,
                                        in: directory, environment: environment(threads: 1))
        return (out.status, String(decoding: out.stdout, as: UTF8.self), String(decoding: out.stderr, as: UTF8.self))
    }

    /// The tensors of a checkpoint file.
    private func tensors(_ directory: URL, run: String, file: String = "pretrained.safetensors") throws -> [String: [Float]] {
        try SafeTensors.read(directory.appendingPathComponent("checkpoints/\(run)/\(file)")).tensors.mapValues(\.values)
    }

    /// Largest |a − b| over all tensors divided by the largest |a|, and the largest per-tensor ratio.
    private func difference(_ a: [String: [Float]], _ b: [String: [Float]]) -> (global: Double, perTensor: Double) {
        var largest = 0.0, worst = 0.0, perTensor = 0.0
        for (key, x) in a {
            guard let y = b[key], y.count == x.count else { return (.infinity, .infinity) }
            let magnitude = Double(x.map { abs($0) }.max() ?? 0)
            let diff = Double(zip(x, y).map { abs($0 - $1) }.max() ?? 0)
            largest = max(largest, magnitude)
            worst = max(worst, diff)
            if magnitude > 0 { perTensor = max(perTensor, diff / magnitude) }
        }
        return (largest > 0 ? worst / largest : worst, perTensor)
    }

    private func assertBitIdentical(_ a: [String: [Float]], _ b: [String: [Float]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(a.keys), Set(b.keys), what, file: file, line: line)
        for (key, values) in a where b[key]?.map(\.bitPattern) != values.map(\.bitPattern) {
            XCTFail("\(what): \(key) differs", file: file, line: line)
        }
    }

    /// 2 ranks = one process with 2 replicas, 3 ranks (uneven parts 2/3/3) = one process with 3 replicas, bit for
    /// bit after 20 steps with dropout (weights and optimizer state); without dropout 3 ranks against one process with
    /// 1 replica (a different summation order) stay within 1e-5 of the largest weight.
    func testRanksEqualOneProcessWithAsManyReplicas() throws {
        _ = try mpirun()
        let directory = try workspace()
        for (count, name) in [(2, "two"), (3, "three")] {
            let alone = try single(pretrain(run: "alone\(count)", steps: 20), threads: count, in: directory)
            XCTAssertEqual(alone.status, 0, alone.stderr)
            let spread = try ranks(count, pretrain(run: name, steps: 20), in: directory)
            XCTAssertEqual(spread.status, 0, spread.stderr)
            XCTAssertTrue(spread.stdout.contains("\(count) ranks (all-reduce"), spread.stdout)
            for file in ["pretrained.safetensors", "pretrained.state.safetensors"] {
                assertBitIdentical(try tensors(directory, run: "alone\(count)", file: file), try tensors(directory, run: name, file: file),
                                   "\(count) ranks vs 1 process × \(count) replicas: \(file)")
            }
        }
        let one = try single(pretrain(run: "one", steps: 20, config: "nodrop.yaml"), threads: 1, in: directory)
        XCTAssertEqual(one.status, 0, one.stderr)
        let three = try ranks(3, pretrain(run: "three-nodrop", steps: 20, config: "nodrop.yaml"), in: directory)
        XCTAssertEqual(three.status, 0, three.stderr)
        let diff = difference(try tensors(directory, run: "one"), try tensors(directory, run: "three-nodrop"))
        print("3 ranks vs 1 process × 1 replica, no dropout, 20 steps: max |Δw| = \(diff.global) of the largest weight, "
              + "\(diff.perTensor) of a tensor's largest")
        XCTAssertLessThanOrEqual(diff.global, 1e-5)
    }

    /// A killed rank ends the job within seconds with mpirun's message naming it; the run resumed on 2 ranks from
    /// its last checkpoint ends bit for bit where the uninterrupted 2-rank run ends.
    func testKilledRankEndsTheJobAndResumeIsExact() throws {
        let mpirun = try mpirun()
        let directory = try workspace()
        let straight = try ranks(2, pretrain(run: "straight", steps: 40), in: directory)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        let job = try launch(mpirun, pretrain(run: "killed", steps: 40), in: directory)
        let pids = try waitForRanks(of: job.process, run: "killed", step: 24, in: directory)
        let killed = Date()
        kill(pids[1], SIGKILL)
        let stderr = job.finish(within: 60)
        XCTAssertLessThan(Date().timeIntervalSince(killed), 30, "the job must end soon after a rank died")
        XCTAssertNotEqual(job.process.terminationStatus, 0)
        XCTAssertTrue(stderr.contains("rank 1") && stderr.contains("signal 9"), stderr)
        waitUntilGone(pids)   // mpirun may return while rank 0 is still going down (it holds the run lock until then)

        let resumed = try ranks(2, pretrain(run: "killed", steps: 40) + ["--resume"], in: directory)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("→40"), resumed.stdout)
        for file in ["pretrained.safetensors", "pretrained.state.safetensors"] {
            assertBitIdentical(try tensors(directory, run: "straight", file: file), try tensors(directory, run: "killed", file: file),
                               "2 ranks killed + resumed vs uninterrupted: \(file)")
        }
    }

    /// A rank that hangs (SIGSTOP) makes the others' collective time out: the job ends with the watchdog's message
    /// naming the rank, the collective and the step, within the timeout plus a few seconds.
    func testHungRankEndsTheJobAfterTheCollectiveTimeout() throws {
        let mpirun = try mpirun()
        let directory = try workspace()
        let job = try launch(mpirun, pretrain(run: "hung", steps: 400) + ["--collective-timeout", "4"], in: directory)
        let pids = try waitForRanks(of: job.process, run: "hung", step: 5, in: directory)
        let stopped = Date()
        kill(pids[1], SIGSTOP)
        let stderr = job.finish(within: 60)
        kill(pids[1], SIGKILL)   // in case the launcher left it stopped
        waitUntilGone(pids)
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 30)
        XCTAssertNotEqual(job.process.terminationStatus, 0)
        XCTAssertTrue(stderr.contains("marketgpt: rank 0: the ") && stderr.contains("more than the collective timeout of 4 s: another rank died or hangs"), stderr)
    }

    /// Rank 1 runs in its own folder (MPMD launch): it writes nothing there, rank 0 writes the checkpoint, one metrics
    /// record per step and one summary line. A rank-0 failure (existing run without --resume) ends every rank.
    func testRankZeroAloneWritesAndItsFailureEndsTheJob() throws {
        let mpirun = try mpirun()
        let directory = try workspace()
        let other = directory.appendingPathComponent("rank1")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        for name in ["tiny.yaml", "demo.yaml", "data"] {
            try FileManager.default.copyItem(at: directory.appendingPathComponent(name), to: other.appendingPathComponent(name))
        }
        let arguments = pretrain(run: "outputs", steps: 12)
        let launch = ["--allow-run-as-root", "--oversubscribe", "-np", "1", "-wdir", directory.path, CLIRunner.binary.path] + arguments
            + [":", "-np", "1", "-wdir", other.path, CLIRunner.binary.path] + arguments
        let out = try ProcessOutput.run(mpirun, arguments: launch, in: directory, environment: environment(threads: 1))
        let stdout = String(decoding: out.stdout, as: UTF8.self), stderr = String(decoding: out.stderr, as: UTF8.self)
        XCTAssertEqual(out.status, 0, stderr)
        XCTAssertEqual(stdout.components(separatedBy: "pretrain: run outputs:").count, 2, stdout)
        XCTAssertEqual(stderr.components(separatedBy: "assets (ok").count, 2, stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoints/outputs/pretrained.safetensors").path))
        let metrics = try String(contentsOf: directory.appendingPathComponent("runs/outputs/metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 12, metrics)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: other.path).sorted()
        XCTAssertEqual(leftovers, ["data", "demo.yaml", "tiny.yaml"], "rank 1 wrote into its folder")

        let again = try ranks(2, arguments, in: directory)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("use --resume to continue it or --overwrite"), again.stderr)
    }

    /// `pretrain --ensemble 2` on 2 ranks: every member bit-identical to the single process with 2 replicas, the
    /// summary printed once (rank 0), the manifest written by rank 0; `--resume` on 2 ranks of a set whose member 1
    /// was lost keeps member 0 and trains member 1 again from step 0 to the same bits.
    func testEnsembleUnderMPIEqualsTheSingleProcessEnsemble() throws {
        _ = try mpirun()
        let directory = try workspace()
        let alone = try single(pretrain(run: "ens-alone", steps: 6) + ["--ensemble", "2"], threads: 2, in: directory)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        let spread = try ranks(2, pretrain(run: "ens-mpi", steps: 6) + ["--ensemble", "2"], in: directory)
        XCTAssertEqual(spread.status, 0, spread.stderr)
        XCTAssertEqual(spread.stdout.components(separatedBy: "pretrain: ensemble of 2 members").count, 2, spread.stdout)
        for member in ["member_0", "member_1"] {
            for file in ["pretrained.safetensors", "pretrained.state.safetensors"] {
                assertBitIdentical(try tensors(directory, run: "ens-alone", file: "\(member)/\(file)"),
                                   try tensors(directory, run: "ens-mpi", file: "\(member)/\(file)"), "ensemble \(member) on 2 ranks: \(file)")
            }
        }
        XCTAssertNotEqual(try tensors(directory, run: "ens-mpi", file: "member_0/pretrained.safetensors"),
                          try tensors(directory, run: "ens-mpi", file: "member_1/pretrained.safetensors"), "members differ (seeds 3, 4)")

        let manifestURL = directory.appendingPathComponent("checkpoints/ens-mpi/ensemble.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        let members = manifest["members"] as! [[String: Any]]
        XCTAssertEqual(members.count, 2)
        let finished = try tensors(directory, run: "ens-mpi", file: "member_1/pretrained.safetensors")
        manifest["members"] = [members[0]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("checkpoints/ens-mpi/member_1"))
        let resumed = try ranks(2, pretrain(run: "ens-mpi", steps: 6) + ["--ensemble", "2", "--resume"], in: directory)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("member 0 (seed 3): kept"), resumed.stdout)
        assertBitIdentical(finished, try tensors(directory, run: "ens-mpi", file: "member_1/pretrained.safetensors"), "member 1 trained again from step 0 on --resume")
        let after = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        XCTAssertEqual((after["members"] as! [[String: Any]]).map { $0["content_hash"] as? String }, members.map { $0["content_hash"] as? String })
    }

    // MARK: helpers

    /// A running `mpirun` job with its stderr collected.
    private final class Job {
        let process = Process()
        private let err = Pipe()
        private var collected = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ mpirun: URL, arguments: [String], in directory: URL, environment: [String: String]) throws {
            process.executableURL = mpirun
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            DispatchQueue.global().async { [self] in
                collected = err.fileHandleForReading.readDataToEndOfFile()
                done.signal()
            }
        }

        /// Waits for the job (killing it after `seconds`) and returns its stderr.
        func finish(within seconds: Double) -> String {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            _ = done.wait(timeout: .now() + 10)
            return String(decoding: collected, as: UTF8.self)
        }
    }

    private func launch(_ mpirun: URL, _ arguments: [String], in directory: URL) throws -> Job {
        try Job(mpirun, arguments: ["--allow-run-as-root", "--oversubscribe", "-np", "2", CLIRunner.binary.path] + arguments,
                in: directory, environment: environment(threads: 1))
    }

    /// The pids of ranks 0 and 1 (children of `launcher` whose environment says so) once rank 0 logged `step`.
    private func waitForRanks(of launcher: Process, run: String, step: Int, in directory: URL) throws -> [pid_t] {
        let deadline = Date().addingTimeInterval(300)
        while launcher.isRunning && loggedStep(directory, run: run) < step && Date() < deadline { usleep(2_000) }
        XCTAssertTrue(launcher.isRunning, "the job finished before the rank could be signalled")
        var pids: [Int: pid_t] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == launcher.processIdentifier,
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            for rank in 0..<2 where environ.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) {
                pids[rank] = pid
            }
        }
        guard let first = pids[0], let second = pids[1] else {
            launcher.terminate()
            throw XCTSkip("the ranks are not children of mpirun here (another launcher layout); cannot signal them")
        }
        return [first, second]
    }

    /// Waits (at most 30 s) until none of `pids` is alive.
    private func waitUntilGone(_ pids: [pid_t]) {
        let deadline = Date().addingTimeInterval(30)
        while pids.contains(where: { kill($0, 0) == 0 }) && Date() < deadline { usleep(10_000) }
    }

    private func loggedStep(_ directory: URL, run: String) -> Int { PretrainWorkspace.loggedStep(directory, run: run) }
}
