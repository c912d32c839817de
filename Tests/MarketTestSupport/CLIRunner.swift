// Runs the built `marketgpt` binary for end-to-end tests (stdout and stderr read concurrently).
import Foundation

/// The result of one `marketgpt` invocation.
public struct CLIResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Locates the `marketgpt` binary in the build folder of the test bundle and runs it.
public enum CLIRunner {
    /// The `marketgpt` executable beside (or above) the test bundle.
    public static var binary: URL {
        var directory = Bundle(for: BundleMarker.self).bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("marketgpt").path),
              directory.pathComponents.count > 1 {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("marketgpt")
    }

    /// Runs `marketgpt` with `arguments` in `directory` and waits for it.
    public static func run(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
        let output = try ProcessOutput.run(binary, arguments: arguments, in: directory)
        return CLIResult(status: output.status,
                         stdout: String(decoding: output.stdout, as: UTF8.self),
                         stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    private final class BundleMarker {}
}
