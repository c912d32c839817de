// End-to-end `marketgpt features` (list, one file to CSV) and a model trained on indicators: stored, reused, mismatch refused.
import Foundation
import XCTest
import MarketTensor
import MarketTestSupport

final class FeaturesCommandTests: XCTestCase {
    private func workspace() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("features-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        let universe = DemoDataCommandTests.packageRoot.appendingPathComponent("universes/demo.yaml").path
        try FileManager.default.copyItem(atPath: universe, toPath: url.appendingPathComponent("demo.yaml").path)
        let demo = try CLIRunner.run(["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], in: url)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        return url
    }

    func testListAndOneFileToCSV() throws {
        let directory = try workspace()
        let list = try CLIRunner.run(["features", "--list"], in: directory)
        XCTAssertEqual(list.status, 0, list.stderr)
        for name in ["log_return", "sma_50", "ema_26", "rsi_14", "macd_hist", "atr_14", "bb_pctb_20", "obv_20", "mfi_14", "stoch_d_3", "adx_14", "return_10"] {
            XCTAssertTrue(list.stdout.contains(name), name)
        }
        let file = try XCTUnwrap(FileManager.default.enumerator(at: directory.appendingPathComponent("data"), includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.first { $0.pathExtension == "csv" })
        let run = try CLIRunner.run(["features", "--input", file.path, "--features", "log_return,sma_20,adx_14", "--out", "f.csv"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = try String(contentsOf: directory.appendingPathComponent("f.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "Date,log_return,sma_20,adx_14")
        XCTAssertTrue(lines[1].hasSuffix(",,"), "warm-up cells are empty: \(lines[1])")
        XCTAssertEqual(lines[40].split(separator: ",", omittingEmptySubsequences: false).filter(\.isEmpty).count, 0, String(lines[40]))
        let again = try CLIRunner.run(["features", "--input", file.path, "--out", "f.csv"], in: directory)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        let unknown = try CLIRunner.run(["features", "--input", file.path, "--features", "rsi_99", "--out", "g.csv"], in: directory)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown feature 'rsi_99'"), unknown.stderr)
    }

    func testIndicatorModelStoresItsFeaturesAndRefusesAnotherFeatureList() throws {
        let directory = try workspace()
        let indicators = PretrainCommandTests.config.replacingOccurrences(
            of: "features: 7", with: "features: [log_return, rsi_14, macd_hist, atr_14, volume_z_20, adx_14, synthetic]")
        XCTAssertNotEqual(indicators, PretrainCommandTests.config)
        try indicators.write(to: directory.appendingPathComponent("ind.yaml"), atomically: true, encoding: .utf8)
        try PretrainCommandTests.config.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let common = ["--universe", "demo.yaml", "--data", "data", "--run", "i"]
        let pretrain = try CLIRunner.run(["pretrain", "--config", "ind.yaml", "--steps", "3"] + common, in: directory)
        XCTAssertEqual(pretrain.status, 0, pretrain.stderr)
        let checkpoint = try SafeTensors.read(directory.appendingPathComponent("checkpoints/i/pretrained.safetensors"))
        let normalizer = try XCTUnwrap(checkpoint.metadata["normalizer"])
        XCTAssertTrue(normalizer.contains("\"name\":\"adx_14\"") && normalizer.contains("\"period\":14"), normalizer)
        XCTAssertTrue(checkpoint.metadata["model_config"]?.contains("\"features\":7") ?? false)

        let evaluate = try CLIRunner.run(["evaluate", "--config", "ind.yaml", "--checkpoint", "checkpoints/i/pretrained.safetensors"] + common, in: directory)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let mismatch = try CLIRunner.run(["evaluate", "--config", "tiny.yaml", "--checkpoint", "checkpoints/i/pretrained.safetensors"] + common, in: directory)
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("was trained on features [log_return,rsi_14,macd_hist,atr_14,volume_z_20,adx_14,synthetic]"), mismatch.stderr)
        XCTAssertEqual(mismatch.stderr.split(separator: "\n").filter { !$0.hasPrefix("evaluate:") }.count, 1, mismatch.stderr)

        // Signals read the features from the checkpoint (no config involved).
        let signals = try CLIRunner.run(["signals", "--universe", "demo.yaml", "--data", "data", "--checkpoints", "checkpoints/i",
                                         "--samples", "2", "--seed", "5", "--date", "2025-06-04", "--out", "s"], in: directory)
        XCTAssertEqual(signals.status, 0, signals.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("s/2025-06-04.csv").path))

        let bad = PretrainCommandTests.config.replacingOccurrences(of: "features: 7", with: "features: [log_return, rsi_41]")
        try bad.write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(["pretrain", "--config", "bad.yaml", "--steps", "1"] + common, in: directory)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("bad.yaml line 1: model.features: unknown feature 'rsi_41'"), refused.stderr)
    }
}
