// `marketgpt bench` helper: runs scripts/torch_train_bench.py (the PyTorch twin of the training step) beside our figure.
import Foundation

extension BenchSuite {
    /// PyTorch training samples/s of the reference model at batch 32 on `threads` threads, measured by
    /// `scripts/torch_train_bench.py` under the first Python that imports torch (`MARKETGPT_TORCH_PYTHON`,
    /// then `/usr/bin/python3`, then `python3` on the PATH); nil (with a note) when there is none or it fails.
    static func torchTrainRate(threads: Int, steps: Int = 20) -> (samplesPerSecond: Double, version: String)? {
        guard let script = torchScript() else { note("pytorch: scripts/torch_train_bench.py not found; skipped"); return nil }
        let candidates = [ProcessInfo.processInfo.environment["MARKETGPT_TORCH_PYTHON"], "/usr/bin/python3", "python3"].compactMap { $0 }
        for python in candidates {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, script.path, "--threads", String(threads), "--steps", String(steps)]
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            guard (try? process.run()) != nil else { continue }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            _ = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let rate = object["samples_per_s"] as? Double else { continue }
            let version = object["torch"] as? String ?? "?"
            note("pytorch \(version) (\(python)): \(rate) samples/s, \(object["parameters"] ?? "?") parameters")
            return (rate, version)
        }
        note("pytorch: no Python with torch (set MARKETGPT_TORCH_PYTHON); skipped")
        return nil
    }

    /// The script beside this source tree (found from this file's build path), else under the working folder.
    private static func torchScript() -> URL? {
        let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/torch_train_bench.py")
        let fromFolder = URL(fileURLWithPath: "scripts/torch_train_bench.py")
        return [fromSource, fromFolder].first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
