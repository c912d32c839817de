// Writes files atomically: a temporary file beside the target, then a rename, so readers never see half a file.
import Foundation

/// Atomic file writes (temp file in the same folder + `rename(2)`), shared by every module that writes outputs.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent folder when needed.
    ///
    /// The bytes go to `.<name>.tmp-<pid>-<n>` in the same folder and are then renamed over `url`,
    /// so a crash leaves either the old file or the new one, never a truncated one.
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
            guard rename(temporary.path, url.path) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically (see `write(_:to:)`).
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
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
