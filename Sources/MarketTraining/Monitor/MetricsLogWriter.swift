// Appends MetricsRecords to runs/<run>/metrics.jsonl, one complete line per write; resumable.

import Foundation
import MarketData
import MarketSupport

/// Writes `metrics.jsonl`: one `MetricsRecord.jsonLine` + newline per `append`, in one write call.
///
/// A fresh run replaces any old file. A resumed run (`resumingAfterStep: s`) keeps the complete
/// records with `step ≤ s` — those of the checkpoint it resumes from — drops the rest (steps the
/// interrupted session logged after its last checkpoint, which the resumed run redoes, and a partial
/// last line), rewrites the file atomically if anything was dropped, then appends.
public final class MetricsLogWriter {
    /// The `metrics.jsonl` file.
    public let url: URL
    /// The records kept from earlier sessions (empty for a fresh run).
    public let earlierRecords: [MetricsRecord]
    private let file: AppendOnlyFile

    /// Opens `url` for a fresh run (`resumingAfterStep == nil`) or a resumed one.
    public init(url: URL, resumingAfterStep: Int? = nil) throws {
        self.url = url
        let manager = FileManager.default
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let lastStep = resumingAfterStep, manager.fileExists(atPath: url.path) {
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw TrainingLogError(path: url.path, reason: "cannot read for resuming (\(error.localizedDescription))")
            }
            var lines = text.components(separatedBy: "\n")
            let partial = lines.removeLast()  // text after the last newline: "" or an incomplete record
            let kept = lines.compactMap { line -> (String, MetricsRecord)? in
                guard let record = MetricsRecord(jsonLine: line), record.step <= lastStep else { return nil }
                return (line, record)
            }
            earlierRecords = kept.map { $0.1 }
            if kept.count != lines.count || !partial.isEmpty {
                try Self.replace(url, with: kept.map { $0.0 + "\n" }.joined())
            }
        } else {
            earlierRecords = []
            try Self.replace(url, with: "")
        }
        file = try AppendOnlyFile(url: url)
    }

    /// Appends one record as one line.
    public func append(_ record: MetricsRecord) throws {
        try file.append(Array((record.jsonLine + "\n").utf8))
    }

    /// Closes the file.
    public func close() { file.close() }

    /// Every complete record of a `metrics.jsonl` file, in file order.
    public static func read(_ url: URL) throws -> [MetricsRecord] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { MetricsRecord(jsonLine: String($0)) }
    }

    private static func replace(_ url: URL, with text: String) throws {
        do { try AtomicFile.write(text, to: url) } catch {
            throw TrainingLogError(path: url.path, reason: "cannot write (\(error.localizedDescription))")
        }
    }
}
