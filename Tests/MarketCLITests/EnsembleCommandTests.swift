// End-to-end: `pretrain --ensemble K` writes K members and a manifest, resumes, refuses to overwrite; `evaluate` scores the mixture.
import Foundation
import XCTest
import MarketTestSupport

final class EnsembleCommandTests: XCTestCase {
    func testEnsemblePretrainResumeAndMixtureEvaluation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try PretrainCommandTests.config.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: directory.appendingPathComponent("demo.yaml").path)
        XCTAssertEqual(try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: directory).status, 0)
        let common = ["--config", "tiny.yaml", "--universe", "demo.yaml", "--data", "data", "--run", "k"]
        let manifestURL = directory.appendingPathComponent("checkpoints/k/ensemble.json")
        func manifest() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        }

        let first = try CLIRunner.run(["pretrain"] + common + ["--steps", "3", "--ensemble", "2"], in: directory)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("ensemble of 2 members"), first.stdout)
        let members = try manifest()["members"] as! [[String: Any]]
        XCTAssertEqual(members.map { $0["file"] as? String }, ["member_0/pretrained.safetensors", "member_1/pretrained.safetensors"])
        XCTAssertEqual(members.map { ($0["seed"] as? NSNumber)?.intValue }, [3, 4])
        XCTAssertNotEqual(members[0]["content_hash"] as? String, members[1]["content_hash"] as? String)

        let again = try CLIRunner.run(["pretrain"] + common + ["--steps", "3", "--ensemble", "2"], in: directory)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("ensemble.json exists"), again.stderr)

        // An interrupted set: the manifest lists member 0 only → evaluate refuses; --resume finishes it and keeps member 0.
        var partial = try manifest()
        partial["members"] = [members[0]]
        try JSONSerialization.data(withJSONObject: partial).write(to: manifestURL)
        let refused = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/k/ensemble.json"] + common, in: directory)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("1 of 2 ensemble members"), refused.stderr)
        let resumed = try CLIRunner.run(["pretrain"] + common + ["--steps", "3", "--ensemble", "2", "--resume"], in: directory)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("member 0 (seed 3): kept"), resumed.stdout)
        XCTAssertEqual((try manifest()["members"] as! [[String: Any]]).map { $0["content_hash"] as? String }, members.map { $0["content_hash"] as? String })
        let mismatch = try CLIRunner.run(["pretrain"] + common + ["--steps", "3", "--ensemble", "3", "--resume"], in: directory)
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("plans 2 members"), mismatch.stderr)

        let evaluate = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/k/ensemble.json", "--samples", "3", "--category", "crypto",
                                          "--out", "ens.json"] + common, in: directory)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        XCTAssertTrue(evaluate.stdout.contains("2 model(s) × 3 pass(es)"), evaluate.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("ens.json"))) as! [String: Any]
        XCTAssertEqual((report["members"] as? NSNumber)?.intValue, 2)
        let uncertainty = ((report["categories"] as! [[String: Any]])[0]["uncertainty"] as! [String: Any])
        XCTAssertGreaterThan((uncertainty["between_models"] as! NSNumber).doubleValue, 0)
        XCTAssertGreaterThan((uncertainty["within_model"] as! NSNumber).doubleValue, 0)
        // Same seed → same report; the mixture is a function of the seed.
        let repeated = try CLIRunner.run(["evaluate", "--checkpoint", "checkpoints/k/ensemble.json", "--samples", "3", "--category", "crypto",
                                          "--out", "ens2.json"] + common, in: directory)
        XCTAssertEqual(repeated.status, 0, repeated.stderr)
        let a = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("ens.json"))) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("ens2.json"))) as! [String: Any]
        XCTAssertEqual(a["categories"] as? NSArray, b["categories"] as? NSArray)
    }
}
