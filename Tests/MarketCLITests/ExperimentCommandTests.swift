// End-to-end: `marketgpt experiment` on generated demo data with a tiny model — report.json, report.md, charts, checkpoints.
import Foundation
import XCTest
import MarketTestSupport

final class ExperimentCommandTests: XCTestCase {
    static let config = """
        model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
                asset_embedding_dropout: 0.1, horizon: 3, head: student_t, degrees_of_freedom: 5}
        training: {batch_size: 8, learning_rate: 2.0e-3, warmup_steps: 5, total_steps: 30, eval_every: 10,
                   eval_batches: 1, checkpoint_every: 10, log_every: 5, early_stopping_patience: 0, seed: 3,
                   split: {train: 0.7, validation: 0.15, test: 0.15}}
        finetune: {batch_size: 8, learning_rate: 1.0e-4, warmup_steps: 1, seed: 3}
        walk_forward: {window_months: 6, epochs: 1, max_steps_per_window: 2, guard_bars: 20}
        categories: [crypto, forex]
        strategy: {samples: 2}
        """

    func testExperimentWritesTheReportWithEveryForecasterOnTheSameTargets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try Self.config.write(to: directory.appendingPathComponent("experiment.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: directory.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: directory)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        let common = ["experiment", "--config", "experiment.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "e"]
        let result = try CLIRunner.run(common, in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("beats GARCH-t"), result.stdout)
        XCTAssertTrue(result.stderr.contains("experiment [3/4]: crypto walk-forward"), result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/e/report.json"))) as? [String: Any])
        let categories = try XCTUnwrap(report["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.map { $0["name"] as? String }, ["crypto", "forex"])
        for group in categories {
            let scores = try XCTUnwrap(group["scores"] as? [String: [String: Any]])
            XCTAssertEqual(Set(scores.keys), ["pretrained", "pretrained_calibrated", "pretrained_variance_scale", "pretrained_quantile_map",
                                              "finetuned", "finetuned_calibrated", "rw", "ewma", "garch", "garch_t"])
            // The recalibration chosen on validation and the fine-tuning fall-back are reported per category.
            let facts = try XCTUnwrap(group["facts"] as? [String: Any])
            XCTAssertNotNil(facts["fineTuneFellBack"] ?? facts["fine_tune_fell_back"])
            let counts = Set(scores.values.compactMap { $0["count"] as? Int })
            XCTAssertEqual(counts.count, 1, "every forecaster on the same targets: \(counts)")
            XCTAssertGreaterThan(counts.first ?? 0, 100)
            XCTAssertNotNil((group["dm_versus_garch_t"] as? [String: Any])?["finetuned_calibrated"] ?? (group["dmVersusGarchT"] as? [String: Any])?["finetuned_calibrated"])
            let trainEnd = try XCTUnwrap(group["train_end"] as? String ?? group["trainEnd"] as? String)
            let testStart = try XCTUnwrap(group["test_start"] as? String ?? group["testStart"] as? String)
            XCTAssertLessThan(trainEnd, testStart)
        }
        XCTAssertNotNil(report["pooled"] as? [String: Any])
        let markdown = try String(contentsOf: directory.appendingPathComponent("runs/e/report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| garch_t |") && markdown.contains("## crypto"), markdown)
        // The trading part: the rule fitted on validation only, the test period traded with it, in the report.
        XCTAssertTrue(result.stdout.contains("test-period strategy"), result.stdout)
        XCTAssertTrue(markdown.contains("## Signals that act: the test period traded") && markdown.contains("| pooled |"), markdown)
        let rule = try XCTUnwrap(report["signal_rule"] as? [String: Any])
        let gridSize = try XCTUnwrap(rule["grid_size"] as? Int)
        XCTAssertEqual(gridSize, 10 * 7 * 3)
        let ruled = try XCTUnwrap(rule["categories"] as? [String: [String: Any]])
        let strategy = try XCTUnwrap(report["strategy"] as? [String: Any])
        let books = try XCTUnwrap(strategy["categories"] as? [String: [String: Any]])
        XCTAssertFalse(books.isEmpty)
        XCTAssertTrue(Set(books.keys).isSubset(of: ["crypto", "forex"]), "\(books.keys)")
        for (name, book) in books {
            let fitted = try XCTUnwrap(ruled[name], name)
            let validationEnd = try XCTUnwrap(fitted["validation_end"] as? String), testStart = try XCTUnwrap(fitted["test_start"] as? String)
            XCTAssertLessThan(validationEnd, testStart, name)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(book["start_date"] as? String), testStart, "\(name): traded only from its test start")
            XCTAssertEqual(book["trials"] as? Int, gridSize, name)
        }
        XCTAssertEqual((strategy["pooled"] as? [String: Any])?["trials"] as? Int, gridSize * books.count)
        for file in ["runs/e/strategy/metrics.json", "runs/e/strategy/strategy.md", "checkpoints/e/pretrained.safetensors.signal_rule.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), file)
        }
        for file in ["runs/e/coverage_crypto.svg", "runs/e/pit_crypto.svg", "runs/e/pit_raw_crypto.svg", "runs/e/nll_windows_forex.svg",
                     "checkpoints/e/pretrained.safetensors", "checkpoints/e/model_finetuned_crypto.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), file)
        }
        // The run is in the registry (runs/registry.sqlite) with its metrics and per-category checkpoints, promotable.
        let listed = try CLIRunner.run(["runs", "list", "--json", "--kind", "experiment"], in: directory)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let runs = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]] ?? []
        let registered = try XCTUnwrap(runs.first { $0["name"] as? String == "e" }, listed.stdout)
        XCTAssertEqual(registered["status"] as? String, "finished")
        let metrics = registered["metrics"] as? [String: Double] ?? [:]
        XCTAssertEqual(metrics["nll.crypto"] ?? .nan, (categories[0]["scores"] as? [String: [String: Any]])?["finetuned_calibrated"]?["nll"] as? Double ?? .infinity,
                       accuracy: 1e-9)
        XCTAssertEqual(metrics["categories"], 2)
        let artefacts = registered["artefacts"] as? [String: String] ?? [:]
        XCTAssertEqual(artefacts["checkpoint.crypto"], "checkpoints/e/model_finetuned_crypto.safetensors")
        XCTAssertNotNil(artefacts["checkpoint_hash.crypto"])
        XCTAssertEqual(registered["checkpoint_path"] as? String, "checkpoints/e/pretrained.safetensors")
        let promoted = try CLIRunner.run(["runs", "promote", registered["id"] as? String ?? "?", "--category", "crypto"], in: directory)
        XCTAssertEqual(promoted.status, 0, promoted.stderr)
        // A promoted experiment checkpoint keeps the pre-training's drift reference (the nightly drift gate needs it).
        let reference = try FinetuneCommandTests.metadata(directory.appendingPathComponent("checkpoints/e/pretrained.safetensors"))["drift_reference"]
        XCTAssertNotNil(reference)
        XCTAssertEqual(try FinetuneCommandTests.metadata(directory.appendingPathComponent("checkpoints/e/model_finetuned_crypto.safetensors"))["drift_reference"],
                       reference)
        // The calibrated checkpoints evaluate (calibration applied, raw kept beside it).
        let evaluate = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/e/model_finetuned_crypto.safetensors", "--config", "experiment.yaml",
                                          "--universe", "demo.yaml", "--data", "data", "--run", "e"], in: directory)
        // experiment.yaml is not a pretrain config: evaluate rejects its extra keys with a clear one-line error.
        XCTAssertNotEqual(evaluate.status, 0)
        XCTAssertTrue(evaluate.stderr.contains("experiment.yaml"), evaluate.stderr)
        try Self.checkFinetuneFallBack(in: directory)
        // An unknown category is an error naming it.
        try Self.config.replacingOccurrences(of: "[crypto, forex]", with: "[crypto, mars]")
            .write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["experiment", "--config", "bad.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "b"], in: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'mars'"), bad.stderr)
        try Self.config.replacingOccurrences(of: "strategy: {samples: 2}", with: "strategy: {samples: 2, mode: sideways}")
            .write(to: directory.appendingPathComponent("bad-strategy.yaml"), atomically: true, encoding: .utf8)
        let badStrategy = try CLIRunner.run(["experiment", "--config", "bad-strategy.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "b"], in: directory)
        XCTAssertNotEqual(badStrategy.status, 0)
        XCTAssertTrue(badStrategy.stderr.contains("strategy.mode") && badStrategy.stderr.contains("sideways"), badStrategy.stderr)
    }

    /// `marketgpt finetune` from the experiment's calibrated checkpoint with a learning rate that wrecks the model: with the
    /// fall-back (config `finetune.fall_back`) the fine-tuned checkpoint holds the pre-trained tensors byte for byte, its
    /// calibration entry verbatim and its train_end, so its forecasts are the pre-trained ones bit for bit; `--no-fall-back`
    /// keeps the wrecked weights (the check can fail).
    static func checkFinetuneFallBack(in directory: URL) throws {
        try """
            training: {batch_size: 8, learning_rate: 0.5, warmup_steps: 1, seed: 3}
            finetune: {fall_back: true, guard_bars: 20}
            """.write(to: directory.appendingPathComponent("wreck.yaml"), atomically: true, encoding: .utf8)
        let common = ["finetune", "--config", "wreck.yaml", "--universe", "demo.yaml", "--data", "data", "--from", "checkpoints/e/pretrained.safetensors",
                      "--category", "crypto", "--oos-years", "1", "--walk-forward-years", "1", "--epochs", "1", "--max-steps-per-window", "2"]
        let fell = try CLIRunner.run(common + ["--run", "f"], in: directory)
        XCTAssertEqual(fell.status, 0, fell.stderr)
        XCTAssertTrue(fell.stderr.contains("the starting weights are kept"), fell.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/f/report.json"))) as? [String: Any])
        let result = try XCTUnwrap((report["categories"] as? [[String: Any]])?.first)
        XCTAssertEqual(result["fellBack"] as? Bool ?? result["fell_back"] as? Bool, true, "\(result.keys.sorted())")
        let pretrained = directory.appendingPathComponent("checkpoints/e/pretrained.safetensors")
        let fellBack = directory.appendingPathComponent("checkpoints/f/model_finetuned_crypto.safetensors")
        let calibration = try XCTUnwrap(try FinetuneCommandTests.metadata(pretrained)["calibration"])
        XCTAssertEqual(try FinetuneCommandTests.metadata(fellBack)["calibration"], calibration, "the pre-trained calibration byte for byte")
        XCTAssertEqual(try FinetuneCommandTests.metadata(fellBack)["train_end.crypto"], try FinetuneCommandTests.metadata(pretrained)["train_end.crypto"])
        XCTAssertEqual(try tensorBytes(fellBack), try tensorBytes(pretrained), "the pre-trained weights byte for byte")
        let kept = try CLIRunner.run(common + ["--run", "g", "--no-fall-back"], in: directory)
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertNotEqual(try tensorBytes(directory.appendingPathComponent("checkpoints/g/model_finetuned_crypto.safetensors")), try tensorBytes(pretrained))
        try checkFinetuneSignificance(in: directory, common: common)
    }

    /// `finetune.fall_back_significance` / `--fall-back-significance` (as the experiment's `walk_forward.fall_back_significance`):
    /// the α reaches the gate (report.json `fallBackSignificance`, the CLI value over the config's); bad values and a
    /// significance without the gate are one-line errors.
    static func checkFinetuneSignificance(in directory: URL, common: [String]) throws {
        try """
            training: {batch_size: 8, learning_rate: 1.0e-5, warmup_steps: 1, seed: 3}
            finetune: {fall_back: true, guard_bars: 20, fall_back_significance: 0.000001}
            """.write(to: directory.appendingPathComponent("gentle.yaml"), atomically: true, encoding: .utf8)
        let gentle = common.map { $0 == "wreck.yaml" ? "gentle.yaml" : $0 }
        func result(_ run: String) throws -> [String: Any] {
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/\(run)/report.json"))) as? [String: Any])
            return try XCTUnwrap((report["categories"] as? [[String: Any]])?.first)
        }
        let strict = try CLIRunner.run(gentle + ["--run", "s"], in: directory)
        XCTAssertEqual(strict.status, 0, strict.stderr)
        XCTAssertEqual(try result("s")["fallBackSignificance"] as? Double, 0.000001)
        // Kept only with the evidence: a DM statistic < 0 with p below 1e-6 on the windows or the tail.
        let strictResult = try result("s")
        if strictResult["fellBack"] as? Bool == false {
            let tests = ["windowsDieboldMariano", "tailDieboldMariano"].compactMap { strictResult[$0] as? [String: Any] }
            XCTAssertTrue(tests.contains { ($0["statistic"] as? Double ?? 0) < 0 && ($0["pValue"] as? Double ?? 1) < 0.000001 }, "\(tests)")
        }
        let override = try CLIRunner.run(gentle + ["--run", "t", "--fall-back-significance", "0.5"], in: directory)
        XCTAssertEqual(override.status, 0, override.stderr)
        XCTAssertEqual(try result("t")["fallBackSignificance"] as? Double, 0.5)
        XCTAssertNil(try result("g")["fallBackSignificance"], "no significance without the option")
        // Bad input: one-line errors, nothing run.
        let outside = try CLIRunner.run(common + ["--run", "u", "--fall-back-significance", "1.5"], in: directory)
        XCTAssertEqual(outside.status, 64)
        XCTAssertTrue(outside.stderr.contains("--fall-back-significance must be in (0.0, 1.0), found 1.5"), outside.stderr)
        let noGate = try CLIRunner.run(common + ["--run", "u", "--no-fall-back", "--fall-back-significance", "0.05"], in: directory)
        XCTAssertEqual(noGate.status, 64)
        XCTAssertTrue(noGate.stderr.contains("--fall-back-significance needs the fall-back gate"), noGate.stderr)
        try """
            training: {batch_size: 8, seed: 3}
            finetune: {fall_back: false, fall_back_significance: 0.05}
            """.write(to: directory.appendingPathComponent("nogate.yaml"), atomically: true, encoding: .utf8)
        let config = try CLIRunner.run(common.map { $0 == "wreck.yaml" ? "nogate.yaml" : $0 } + ["--run", "u"], in: directory)
        XCTAssertNotEqual(config.status, 0)
        XCTAssertTrue(config.stderr.contains("fall_back_significance") && config.stderr.contains("needs fall_back: true"), config.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs/u/report.json").path), "nothing ran")
    }

    /// The tensor data of a safetensors file (everything after its JSON header).
    static func tensorBytes(_ url: URL) throws -> Data {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        return data.subdata(in: (8 + length)..<data.count)
    }

    /// `ensemble: {members: 2, samples: 3}`: the MC-dropout and deep-ensemble variants join the report on the same targets,
    /// with their variance parts, and the set is written as an ensemble manifest that `evaluate` reads.
    func testExperimentScoresMCDropoutAndTheDeepEnsembleOnTheSameTargets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-ens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let config = Self.config.replacingOccurrences(of: "categories: [crypto, forex]", with: "categories: [crypto]\nensemble: {members: 2, samples: 3}\nrolling_calibration: always")
        try config.write(to: directory.appendingPathComponent("experiment.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: directory.appendingPathComponent("demo.yaml").path)
        XCTAssertEqual(try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: directory).status, 0)
        let result = try CLIRunner.run(["experiment", "--config", "experiment.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "m"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("pre-training member 1"), result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("runs/m/report.json"))) as? [String: Any])
        let group = try XCTUnwrap((report["categories"] as? [[String: Any]])?.first)
        let scores = try XCTUnwrap(group["scores"] as? [String: [String: Any]])
        for key in ["pretrained_mc", "pretrained_mc_calibrated", "ensemble", "ensemble_calibrated"] { XCTAssertNotNil(scores[key], key) }
        XCTAssertEqual(Set(scores.values.compactMap { $0["count"] as? Int }).count, 1, "every forecaster on the same targets")
        // The rolling recalibration was weighed against the static one on validation (every candidate), and reported.
        let facts = try XCTUnwrap(group["facts"] as? [String: Any])
        let rolling = try XCTUnwrap(facts["rolling_calibration"] as? [String: Any] ?? facts["rollingCalibration"] as? [String: Any], "\(facts.keys.sorted())")
        XCTAssertEqual((rolling["candidates"] as? [String: Any])?.count, 6, "3 windows × scale, scale + map")
        XCTAssertEqual(scores["finetuned_static_calibrated"] != nil, rolling["chosen"] != nil, "the static variant is kept beside a chosen rolling one")
        // `always`: a rolling candidate is chosen (on validation), stored in both checkpoints' calibration and applied by evaluate.
        let chosen = try XCTUnwrap(rolling["chosen"] as? [String: Any], "always chooses a rolling candidate")
        for file in ["pretrained.safetensors", "model_finetuned_crypto.safetensors"] {
            let text = try XCTUnwrap(try FinetuneCommandTests.metadata(directory.appendingPathComponent("checkpoints/m/\(file)"))["calibration"])
            let stored = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let entry = try XCTUnwrap((stored["rolling"] as? [String: Any])?["crypto"] as? [String: Any], "\(file): \(text.prefix(300))")
            XCTAssertEqual(entry["window_days"] as? Int, chosen["window_days"] as? Int, file)
            XCTAssertEqual(entry["quantile_map"] as? Bool, chosen["quantile_map"] as? Bool, file)
        }
        // Each mixture has its own rolling recalibration (chosen on its own validation rows), applied on the test period beside
        // its static one, and the ensemble's is stored in the manifest's calibration (which `evaluate` and `signals` read).
        let mixtureRolling = try XCTUnwrap(facts["mixture_rolling_calibration"] as? [String: Any] ?? facts["mixtureRollingCalibration"] as? [String: Any])
        for key in ["pretrained_mc", "ensemble"] {
            XCTAssertNotNil((mixtureRolling[key] as? [String: Any])?["chosen"], key)
            let rolled = try XCTUnwrap(scores[key + "_calibrated"]?["nll"] as? Double), fixed = try XCTUnwrap(scores[key + "_static_calibrated"]?["nll"] as? Double)
            XCTAssertNotEqual(rolled, fixed, "\(key): the rolling recalibration is applied to the mixture")
        }
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("checkpoints/m/ensemble.json"))) as? [String: Any])
        XCTAssertNotNil(((manifest["calibration"] as? [String: Any])?["rolling"] as? [String: Any])?["crypto"], "\(manifest.keys.sorted())")
        let parts = try XCTUnwrap((group["uncertainty"] as? [String: [String: Any]])?["ensemble"])
        XCTAssertEqual((parts["models"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual((parts["passes_per_model"] as? NSNumber)?.intValue, 3)
        XCTAssertGreaterThan((parts["between_models"] as? NSNumber)?.doubleValue ?? 0, 0)
        XCTAssertEqual(((report["mixture"] as? [String: Any])?["members"] as? NSNumber)?.intValue, 2)
        let markdown = try String(contentsOf: directory.appendingPathComponent("runs/m/report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| ensemble_calibrated |") && markdown.contains("Variance parts of `ensemble`"), markdown)
        // The set is one checkpoint: evaluate scores its mixture.
        let tiny = PretrainCommandTests.config.replacingOccurrences(of: "horizon: 3, head: gaussian", with: "horizon: 3, head: student_t, degrees_of_freedom: 5")
        try tiny.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let evaluate = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/m/ensemble.json", "--config", "tiny.yaml", "--universe", "demo.yaml",
                                          "--data", "data", "--run", "m", "--category", "crypto", "--samples", "2"], in: directory)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        XCTAssertTrue(evaluate.stdout.contains("2 model(s) × 2 pass(es)"), evaluate.stdout)
        XCTAssertTrue(evaluate.stdout.contains("crypto: calibrated causally by rolling_"), evaluate.stdout)
        let causal = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/m/model_finetuned_crypto.safetensors", "--config", "tiny.yaml",
                                        "--universe", "demo.yaml", "--data", "data", "--run", "m", "--out", "causal.json"], in: directory)
        XCTAssertEqual(causal.status, 0, causal.stderr)
        XCTAssertTrue(causal.stdout.contains("crypto: calibrated causally by rolling_"), causal.stdout)
    }
}
