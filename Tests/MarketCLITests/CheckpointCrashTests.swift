// Crash-proof checkpoints: a real `pretrain` SIGKILLed at random instants (and, under strace, at every rename),
// resumed each time, ends bit-identical to an uninterrupted run and leaves no temporaries.
import Foundation
import XCTest
import MarketTestSupport
import MarketTensor

/// Short by default (`make test`); `MARKETGPT_FAULT_ROUNDS=N` runs N random kills (the measure: ≥ 24)
/// and the strace injection on a longer run.
final class CheckpointCrashTests: XCTestCase {
    /// A tiny run that checkpoints every 2 steps (so kills land in and between checkpoint writes).
    static let config = """
        model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
                asset_embedding_dropout: 0.1, horizon: 3, head: gaussian}
        training: {batch_size: 8, learning_rate: 2.0e-3, warmup_steps: 5, total_steps: 60, eval_every: 4,
                   eval_batches: 1, checkpoint_every: 2, log_every: 1, early_stopping_patience: 0, seed: 3}
        """

    static var longRounds: Int? { ProcessInfo.processInfo.environment["MARKETGPT_FAULT_ROUNDS"].flatMap(Int.init) }

    /// Bits of every tensor of both checkpoint files of `run`, plus the state's metadata that decides the future.
    static func fingerprint(_ directory: URL, run: String) throws -> [String: [UInt32]] {
        var all: [String: [UInt32]] = [:]
        for name in ["pretrained.safetensors", "pretrained.state.safetensors"] {
            let file = try SafeTensors.read(directory.appendingPathComponent("checkpoints/\(run)/\(name)"))
            for (key, entry) in file.tensors { all["\(name):\(key)"] = entry.values.map(\.bitPattern) }
            for key in ["step", "trainer.step", "trainer.rng", "optimizer.step_count"] {
                if let value = file.metadata[key] { all["\(name):\(key)"] = Array(value.utf8).map(UInt32.init) }
            }
        }
        return all
    }

    /// Resumes `run` to `steps` (or starts it again when no checkpoint survived) and checks the folder is clean.
    func finish(_ directory: URL, run: String, steps: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let checkpoint = directory.appendingPathComponent("checkpoints/\(run)/pretrained.safetensors")
        let extra = FileManager.default.fileExists(atPath: checkpoint.path) ? ["--resume"] : ["--overwrite"]
        let result = try CLIRunner.run(PretrainWorkspace.arguments(run: run, steps: steps) + extra, in: directory)
        XCTAssertEqual(result.status, 0, "\(extra): \(result.stderr)", file: file, line: line)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("checkpoints/\(run)").path).sorted()
        XCTAssertEqual(left, ["pretrained.safetensors", "pretrained.state.safetensors"], "stray files", file: file, line: line)
    }

    func testRandomKillsThenResumeEqualTheUninterruptedRunBitForBit() throws {
        let rounds = Self.longRounds ?? 5, steps = 24
        let directory = try PretrainWorkspace.make(config: Self.config, test: self)
        let straight = try CLIRunner.run(PretrainWorkspace.arguments(run: "straight", steps: steps), in: directory)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let reference = try Self.fingerprint(directory, run: "straight")

        var seed: UInt64 = 0x5EED
        func random(_ bound: Int) -> Int {   // SplitMix64 step; a fixed seed makes the instants reproducible
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        var kills = 0, attempts = 0, inTraining = 0
        while kills < rounds && attempts < rounds * 3 {
            attempts += 1
            let checkpoint = directory.appendingPathComponent("checkpoints/killed/pretrained.safetensors")
            let resume = FileManager.default.fileExists(atPath: checkpoint.path)
            let process = Process()
            process.executableURL = CLIRunner.binary
            process.arguments = PretrainWorkspace.arguments(run: "killed", steps: steps) + (resume ? ["--resume"] : ["--overwrite"])
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // A random step after the checkpoint's (logged by this process, not an earlier one), then a random
            // extra 0–40 ms: the kills land in steps, evaluations and checkpoint writes, not only at start-up.
            let resumed = resume ? (try SafeTensors.read(checkpoint).metadata["step"]).flatMap { Int($0) } ?? 0 : 0
            let target = resumed + 1 + random(max(1, steps - 2 - resumed)), delay = random(40_000)
            let metrics = directory.appendingPathComponent("runs/killed/metrics.jsonl")
            let launched = Date()
            func loggedByThisRun() -> Int {
                let modified = (try? FileManager.default.attributesOfItem(atPath: metrics.path))?[.modificationDate] as? Date
                return (modified ?? .distantPast) > launched ? PretrainWorkspace.loggedStep(directory, run: "killed") : 0
            }
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && loggedByThisRun() < target && Date() < deadline { usleep(1_000) }
            usleep(useconds_t(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                kills += 1
                if loggedByThisRun() > 0 { inTraining += 1 }
            } else {   // finished before the kill: start the run again so that later kills still land in training
                for folder in ["checkpoints/killed", "runs/killed"] { try? FileManager.default.removeItem(at: directory.appendingPathComponent(folder)) }
            }
        }
        XCTAssertEqual(kills, rounds, "runs finished before they could be killed")
        XCTAssertGreaterThanOrEqual(inTraining * 2, kills, "most kills must land after training started")
        try finish(directory, run: "killed", steps: steps)
        XCTAssertEqual(try Self.fingerprint(directory, run: "killed"), reference, "weights or state differ after \(kills) kills")
    }

    /// strace kills the process exactly at its N-th rename, for every N of a whole run: each checkpoint write
    /// is interrupted between each pair of its renames, and the resumed run must still match bit for bit.
    func testKillAtEveryRenameThenResumeEqualsTheUninterruptedRun() throws {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("strace is not installed (scripts/setup.sh installs it)")
        }
        let steps = Self.longRounds == nil ? 6 : 16
        let directory = try PretrainWorkspace.make(config: Self.config, test: self)
        let calls = "rename,renameat,renameat2"
        func traced(_ run: String, _ extra: [String]) throws -> (Process, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: strace)
            let log = directory.appendingPathComponent("strace-\(run).log").path
            process.arguments = ["-f", "-qq", "-o", log, "-e", "trace=\(calls)"] + extra
                + [CLIRunner.binary.path] + PretrainWorkspace.arguments(run: run, steps: steps)
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return (process, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let (straight, log) = try traced("straight", [])
        XCTAssertEqual(straight.terminationStatus, 0)
        let renames = log.split(separator: "\n").filter { $0.contains("rename") && !$0.contains("resumed>") }.count
        XCTAssertGreaterThanOrEqual(renames, 3 * (steps / 2), "expected three renames per checkpoint:\n\(log)")
        let reference = try Self.fingerprint(directory, run: "straight")
        for n in 1...renames {
            let run = "kill\(n)"
            let (killed, _) = try traced(run, ["-e", "inject=\(calls):signal=KILL:when=\(n)"])
            XCTAssertEqual(killed.terminationReason, .uncaughtSignal, "rename \(n) of \(renames) did not kill the run")
            try finish(directory, run: run, steps: steps)
            XCTAssertEqual(try Self.fingerprint(directory, run: run), reference, "killed at rename \(n) of \(renames)")
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("checkpoints/\(run)"))
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("runs/\(run)"))
        }
    }
}
