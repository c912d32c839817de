// Writes TensorBoard scalar event files (events.out.tfevents.*) by hand: no TensorFlow needed.

import Foundation

/// Writes one `events.out.tfevents.<seconds>.<host>.<pid>.<n>` file in a run folder.
///
/// The file starts with the `brain.Event:2` file-version record; each `add` appends one framed
/// event (`TensorBoardEvent.tfRecord`) with one write call. Resuming: every session opens a **new**
/// events file in the same folder (TensorBoard reads them all in name order); a resumed session
/// first writes a `SessionLog START` at the resumed step so TensorBoard drops the interrupted
/// session's events at steps ≥ that step, which the resumed run redoes.
public final class TensorBoardEventWriter {
    /// The events file being written.
    public let url: URL
    private let file: AppendOnlyFile
    private let wallClock: () -> Double

    /// Creates a new events file in `directory` (created if needed).
    /// - Parameters:
    ///   - resumedAtStep: when this session continues an earlier run, the first step it will log.
    ///   - wallClock: seconds since 1970 (injectable for tests).
    public init(directory: URL, resumedAtStep: Int? = nil,
                wallClock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.wallClock = wallClock
        let now = wallClock()
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let pid = ProcessInfo.processInfo.processIdentifier
        var counter = 0
        var candidate: URL
        repeat {
            let name = String(format: "events.out.tfevents.%010d.%@.%d.%d", Int(now), host, Int(pid), counter)
            candidate = directory.appendingPathComponent(name)
            counter += 1
        } while FileManager.default.fileExists(atPath: candidate.path)
        url = candidate
        file = try AppendOnlyFile(url: url)
        try file.append(TensorBoardEvent.tfRecord(TensorBoardEvent.fileVersion(wallTime: now)))
        if let step = resumedAtStep {
            try file.append(TensorBoardEvent.tfRecord(TensorBoardEvent.sessionStart(step: step, wallTime: now)))
        }
    }

    /// Appends one event with the given scalars at `step` (one record, written at once).
    public func add(scalars: [(tag: String, value: Double)], step: Int) throws {
        try file.append(TensorBoardEvent.tfRecord(TensorBoardEvent.scalars(scalars, step: step, wallTime: wallClock())))
    }

    /// Closes the file.
    public func close() { file.close() }
}
