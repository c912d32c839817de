// Writes files atomically: a temporary file beside the target, then a rename, so readers never see half a file.
import Foundation

/// Atomic file writes (temp file in the same folder + `rename(2)`), shared by every module that writes outputs.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent folder when needed.
    ///
    /// The bytes go to `.<name>.tmp-<pid>-<n>` in the same folder, are flushed to the disk (`fsync`), and are
    /// then renamed over `url`, and the folder is flushed too: a killed process or a power loss leaves either
    /// the old file or the new one, never a truncated one (≈ 1–10 ms per file on a disk; nothing on tmpfs).
    /// Throws a `CocoaError`/`POSIXError` naming the path when the folder or file cannot be written.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in try data.write(to: temporary) }
    }

    /// Lets `produce` write a file at a temporary path beside `url` (e.g. an archive built in place), then
    /// renames it over `url`; the temporary file is removed when `produce` throws.
    public static func write(to url: URL, producing produce: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(nextSuffix())")
        do {
            try? FileManager.default.removeItem(at: temporary)
            try produce(temporary)
            try sync(temporary, reportedAs: url)
            guard rename(temporary.path, url.path) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO, userInfo: [NSFilePathErrorKey: url.path])
            }
            try sync(folder, reportedAs: folder)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically (see `write(_:to:)`).
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Flushes the file or folder at `url` to the disk (`fsync(2)`); after a `rename(2)` call it on the folder so
    /// the new name survives a power loss. Throws `AtomicFileError` naming `reportedAs` when it cannot be flushed.
    public static func sync(_ url: URL, reportedAs: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: reportedAs.path, reason: "cannot open it to flush (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        // EINVAL: the file system does not support syncing (e.g. some pseudo file systems) — nothing to flush.
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw AtomicFileError(path: reportedAs.path, reason: "cannot flush it to the disk (\(String(cString: strerror(errno))))")
        }
    }

    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    private static func nextSuffix() -> Int {
        counterLock.lock()
        defer { counterLock.unlock() }
        counter += 1
        return counter
    }
}

/// A write that could not be made durable: the path and why.
public struct AtomicFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
