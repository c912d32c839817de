// Test helper: runs a Python script with MARKETGPT_PYTHON, skipping when it (or a module) is missing.

import Foundation
import XCTest

enum PythonCrossCheck {
    /// Runs `script` with `arguments`, returns stdout. Throws `XCTSkip` when MARKETGPT_PYTHON is unset
    /// or the script fails to import a module; fails the test on any other Python error.
    static func run(_ script: String, arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let python = ProcessInfo.processInfo.environment["MARKETGPT_PYTHON"], !python.isEmpty else {
            throw XCTSkip("MARKETGPT_PYTHON is not set")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw XCTSkip("cannot run \(python): \(error)") }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            if err.contains("ModuleNotFoundError") || err.contains("ImportError") {
                throw XCTSkip("Python module missing: \(err.split(separator: "\n").last ?? "")")
            }
            XCTFail("python failed: \(err)", file: file, line: line)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-ops-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
