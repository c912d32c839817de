// End-to-end: `marketgpt pretrain` killed (SIGKILL) between two checkpoints and resumed ends with the uninterrupted run's weights.
import Foundation
import XCTest
import MarketTensor
import MarketTestSupport
import MarketData

final class PretrainCommandTests: XCTestCase {
    /// A tiny run: T=16, C=16, one layer, checkpoints every 10 steps, a metrics record every step.
    static let config = """
        model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
                asset_embedding_dropout: 0.1, horizon: 3, head: gaussian}
        training: {batch_size: 8, learning_rate: 2.0e-3, warmup_steps: 5, total_steps: 60, eval_every: 10,
                   eval_batches: 1, checkpoint_every: 10, log_every: 1, early_stopping_patience: 0, seed: 3}
        """

    private func workspace() throws -> URL { try PretrainWorkspace.make(config: Self.config, test: self) }

    private func arguments(run: String, steps: Int) -> [String] { PretrainWorkspace.arguments(run: run, steps: steps) }

    private func loggedStep(_ directory: URL, run: String) -> Int { PretrainWorkspace.loggedStep(directory, run: run) }

    func testKilledBetweenCheckpointsAndResumedEqualsTheUninterruptedRunBitForBit() throws {
        let directory = try workspace()
        let straight = try CLIRunner.run(arguments(run: "straight", steps: 40), in: directory)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stdout.contains("reached step 40"), straight.stdout)

        // Start the same run and SIGKILL it once it has logged step 24 (checkpoint at 20, next at 30).
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments(run: "killed", steps: 40)
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && loggedStep(directory, run: "killed") < 24 && Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killedAt = loggedStep(directory, run: "killed")
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run finished before it could be killed")
        XCTAssertLessThan(killedAt, 40)

        let resumed = try CLIRunner.run(arguments(run: "killed", steps: 40) + ["--resume"], in: directory)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("→40"), "resumed from a checkpoint: \(resumed.stdout)")

        for name in ["pretrained.safetensors", "pretrained.state.safetensors"] {
            let a = try SafeTensors.read(directory.appendingPathComponent("checkpoints/straight/\(name)"))
            let b = try SafeTensors.read(directory.appendingPathComponent("checkpoints/killed/\(name)"))
            XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
            for (key, entry) in a.tensors {
                XCTAssertEqual(b.tensors[key]?.values.map(\.bitPattern), entry.values.map(\.bitPattern), "\(name): \(key) differs")
            }
            XCTAssertEqual(a.metadata["step"] ?? a.metadata["trainer.step"], "40")
            XCTAssertEqual(a.metadata["trainer.rng"], b.metadata["trainer.rng"])
        }
        // The metrics log of the resumed run has each step once.
        let steps = try String(contentsOf: directory.appendingPathComponent("runs/killed/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").count
        XCTAssertEqual(steps, 40)
    }

    func testBadConfigAndMissingResumeAreOneLineErrors() throws {
        let directory = try workspace()
        try "training: {batch_sise: 4}\n".write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["pretrain", "--config", "bad.yaml"], in: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.yaml line 1: training.batch_sise: unknown key"), bad.stderr)
        let resume = try CLIRunner.run(arguments(run: "nothing", steps: 5) + ["--resume"], in: directory)
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("no checkpoint to resume from"), resume.stderr)
    }

    /// `--run ..` and a category named `../../x` are refused before anything is written; an existing run is
    /// not replaced without `--overwrite`; a run held by a live process is refused, a dead holder's lock taken over.
    func testPathsLocksAndNoSilentOverwrite() throws {
        let directory = try workspace()
        let escape = try CLIRunner.run(arguments(run: "..", steps: 3), in: directory)
        XCTAssertNotEqual(escape.status, 0)
        XCTAssertTrue(escape.stderr.contains("--run must be one folder name"), escape.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("pretrained.safetensors").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoints").path))

        let universe = try String(contentsOf: directory.appendingPathComponent("demo.yaml"), encoding: .utf8)
        let firstCategory = try XCTUnwrap(universe.range(of: #"name: [a-z_]+"#, options: .regularExpression, range: universe.range(of: "categories:")!.upperBound..<universe.endIndex))
        try universe.replacingCharacters(in: firstCategory, with: "name: ../../x").write(to: directory.appendingPathComponent("evil.yaml"), atomically: true, encoding: .utf8)
        let evil = try CLIRunner.run(["demo-data", "--universe", "evil.yaml", "--out", "evil-data"], in: directory)
        XCTAssertNotEqual(evil.status, 0)
        XCTAssertTrue(evil.stderr.contains("invalid category name '../../x'"), evil.stderr)

        let first = try CLIRunner.run(arguments(run: "once", steps: 3), in: directory)
        XCTAssertEqual(first.status, 0, first.stderr)
        let weights = directory.appendingPathComponent("checkpoints/once/pretrained.safetensors")
        let before = try Data(contentsOf: weights)
        let again = try CLIRunner.run(arguments(run: "once", steps: 2), in: directory)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("use --resume to continue it or --overwrite"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: weights), before, "the refused run changed the checkpoint")
        XCTAssertEqual(loggedStep(directory, run: "once"), 3)
        let overwrite = try CLIRunner.run(arguments(run: "once", steps: 2) + ["--overwrite"], in: directory)
        XCTAssertEqual(overwrite.status, 0, overwrite.stderr)
        XCTAssertEqual(loggedStep(directory, run: "once"), 2)

        // A live holder (this test process) blocks the run; a dead one's lock is taken over with a message.
        let lock = directory.appendingPathComponent("checkpoints/once/.lock")
        try "\(getpid()) \(RunLock.hostName) test\n".write(to: lock, atomically: true, encoding: .utf8)
        let held = try CLIRunner.run(arguments(run: "once", steps: 4) + ["--resume"], in: directory)
        XCTAssertNotEqual(held.status, 0)
        XCTAssertTrue(held.stderr.contains("the run is in use by test (pid \(getpid())"), held.stderr)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try "\(child.processIdentifier) \(RunLock.hostName) pretrain\n".write(to: lock, atomically: true, encoding: .utf8)
        let stale = try CLIRunner.run(arguments(run: "once", steps: 4) + ["--resume"], in: directory)
        XCTAssertEqual(stale.status, 0, stale.stderr)
        XCTAssertTrue(stale.stderr.contains("taking over a stale run lock of pid \(child.processIdentifier)"), stale.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock.path), "the lock must be released at the end")
    }
}
