// End-to-end checks of the root command: help and version.
import XCTest
import MarketTestSupport

final class RootCommandTests: XCTestCase {
    func testVersionPrintsSemver() throws {
        let result = try CLIRunner.run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    func testHelpListsBench() throws {
        let result = try CLIRunner.run(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("bench"))
    }

    func testUnknownSubcommandFails() throws {
        let result = try CLIRunner.run(["no-such-command"])
        XCTAssertNotEqual(result.status, 0)
    }

    func testBenchRefusesAnUnknownSuiteBeforeMeasuringAnything() throws {
        let result = try CLIRunner.run(["bench", "--only", "tensor,sgemm"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown suite 'sgemm'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("tensor, model"), result.stderr)
        XCTAssertFalse(result.stderr.contains("bench: tensor"), "nothing may run before the error")
    }
}
