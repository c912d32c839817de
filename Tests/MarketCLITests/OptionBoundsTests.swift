// Options that size work or memory are bounded: an absurd value is a one-line usage error (exit 64) naming the
// option, the range and the value — before anything is read, allocated or written.
import Foundation
import MarketTestSupport
import XCTest

final class OptionBoundsTests: XCTestCase {
    func testAbsurdSizesAreUsageErrorsNamingOptionRangeAndValue() throws {
        let folder = try temporaryDirectory(self, prefix: "bounds")
        let out = folder.appendingPathComponent("out").path
        let cases: [([String], String)] = [
            (["synth", "--input", "x.csv", "--out", out, "--count", "1000000000"], "--count must be in 1...100000, found 1000000000"),
            (["synth", "--input", "x.csv", "--out", out, "--length", "999999999"], "--length must be in 32...146100, found 999999999"),
            (["synth", "--input", "x.csv", "--out", out, "--threads", "100000"], "--threads must be in 1...256, found 100000"),
            (["synth", "--input", "x.csv", "--out", out, "--block-length", "1e12"], "--block-length must be in 1.0...10000.0, found 1000000000000.0"),
            (["demo-data", "--out", out, "--end-date", "2999-01-01"], "--end-date year must be in 1950...2200, found 2999"),
            (["finetune", "--category", "all", "--epochs", "100000000"], "--epochs must be in 0...1000, found 100000000"),
            (["finetune", "--category", "all", "--window-months", "100000"], "--window-months must be in 1...120, found 100000"),
            (["finetune", "--category", "all", "--max-steps-per-window=-1"], "--max-steps-per-window must be in 0...1000000, found -1"),
            // The same wording and limits for every command (one `requireOption`, one `OptionLimits`).
            (["evaluate", "--checkpoint", "c", "--samples", "20000"], "--samples must be in 1...10000, found 20000"),
            (["signals", "--checkpoint", "c", "--date", "2024-01-02", "--samples", "0"], "--samples must be in 1...10000, found 0"),
            (["calibrate-signals", "--checkpoint", "c", "--universe", "u", "--data", "d", "--samples", "10001"], "--samples must be in 1...10000, found 10001"),
            (["signals", "--checkpoint", "c", "--date", "2024-01-02", "--min-return", "nan"], "--min-return must be in 0.0...1.0, found nan"),
            (["drift", "--checkpoint", "c", "--universe", "u", "--data", "d", "--date", "2024-01-02", "--level", "1"], "--level must be in (0.0, 1.0), found 1.0"),
            (["backtest", "--signals", "s", "--data", "d", "--out", out, "--fraction", "1.5"], "--fraction must be in (0.0, 1.0], found 1.5"),
            (["backtest", "--signals", "s", "--data", "d", "--out", out, "--commission", "0.5"], "--commission must be in [0.0, 0.5), found 0.5"),
            (["pretrain", "--ensemble", "65"], "--ensemble must be in 1...64, found 65"),
            (["experiment", "--steps", "0"], "--steps must be in 1...100000000, found 0"),
            (["serve", "--port", "70000"], "--port must be in 0...65535, found 70000"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(arguments, in: folder)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1, result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written")
    }
}
