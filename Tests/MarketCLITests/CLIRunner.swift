// Runs the built `marketgpt` binary for end-to-end tests.
import Foundation
import XCTest

/// The result of one `marketgpt` invocation.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Locates the `marketgpt` binary next to the test bundle and runs it.
enum CLIRunner {
    static var binary: URL {
        var directory = Bundle(for: BundleMarker.self).bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("marketgpt").path),
              directory.pathComponents.count > 1 {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("marketgpt")
    }

    /// Runs `marketgpt` with `arguments` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    private final class BundleMarker {}
}
