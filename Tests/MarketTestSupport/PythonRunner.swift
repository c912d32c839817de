// Runs Python reference scripts (numpy/scipy/statsmodels/arch) for cross-checks with MARKETGPT_PYTHON;
// skips the test when Python or one of its modules is missing.
import Foundation
import XCTest

public enum PythonRunner {
    /// Runs `script` with `arguments` (and `stdin`), returns stdout. Throws `XCTSkip` when MARKETGPT_PYTHON is
    /// unset or the script fails to import a module; fails the test on any other Python error.
    public static func run(_ script: String, arguments: [String] = [], stdin: Data? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let python = ProcessInfo.processInfo.environment["MARKETGPT_PYTHON"], !python.isEmpty else {
            throw XCTSkip("MARKETGPT_PYTHON is not set")
        }
        let output: ProcessOutput
        do {
            output = try ProcessOutput.run(URL(fileURLWithPath: python), arguments: ["-c", script] + arguments, stdin: stdin)
        } catch {
            throw XCTSkip("cannot run \(python): \(error)")
        }
        let err = String(decoding: output.stderr, as: UTF8.self)
        if output.status != 0 {
            if err.contains("ModuleNotFoundError") || err.contains("ImportError") {
                throw XCTSkip("Python module missing: \(err.split(separator: "\n").last ?? "")")
            }
            XCTFail("python failed: \(err)", file: file, line: line)
        }
        return String(decoding: output.stdout, as: UTF8.self)
    }

    /// Runs `script` with the JSON-encoded `input` on stdin and decodes its stdout as a JSON object.
    public static func json(_ script: String, input: Any, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let text = try run(script, stdin: try JSONSerialization.data(withJSONObject: input), file: file, line: line)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            XCTFail("python reference printed no JSON object: \(text.prefix(200))", file: file, line: line)
            return [:]
        }
        return object
    }
}
