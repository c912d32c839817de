// Runs a Python reference script (TA-Lib, numpy) for cross-checks; skips when MARKETGPT_PYTHON is unset or an import fails.
import Foundation
import XCTest

enum PythonScript {
    /// Runs `script` with the JSON-encoded `input` on stdin and decodes its stdout as a JSON object.
    static func run(_ script: String, input: Any) throws -> [String: Any] {
        guard let python = ProcessInfo.processInfo.environment["MARKETGPT_PYTHON"], !python.isEmpty else {
            throw XCTSkip("MARKETGPT_PYTHON is not set")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let payload = try JSONSerialization.data(withJSONObject: input)
        DispatchQueue.global().async {
            stdin.fileHandleForWriting.write(payload)
            try? stdin.fileHandleForWriting.close()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if err.contains("ModuleNotFoundError") || err.contains("ImportError") { throw XCTSkip("python import failed: \(err)") }
        guard process.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: out) as? [String: Any] else {
            XCTFail("python reference failed: \(err)")
            return [:]
        }
        return object
    }
}
