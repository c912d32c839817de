// Test helper: runs a Python snippet with MARKETGPT_PYTHON (skips when it or a module is missing).
import Foundation
import XCTest

enum PythonRunner {
    /// stdout of `python -c script arguments…`; `XCTSkip` without MARKETGPT_PYTHON or on an ImportError.
    static func run(_ script: String, arguments: [String] = []) throws -> String {
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
            if err.contains("ModuleNotFoundError") || err.contains("ImportError") { throw XCTSkip("Python module missing: \(err)") }
            XCTFail("python failed: \(err)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
