// An exclusive lock file (flock) so two nightly runs never overlap; released when the process ends.
import Foundation

/// Holds `flock(LOCK_EX | LOCK_NB)` on a file for the life of the object (and of the process: the kernel
/// drops the lock when the process dies, so a killed run never leaves a stale lock). The file holds the
/// owner's pid and start time for the message a second run prints.
public final class RunLock {
    public let url: URL
    private let descriptor: Int32

    /// The lock is held by another process.
    public struct Busy: Error, CustomStringConvertible {
        public var file: String
        public var owner: String
        public var description: String { "\(file): another run holds the lock (\(owner)); exiting without doing anything" }
    }

    /// Takes the lock at `url` or throws `Busy` (or a `CocoaError` when the file cannot be created).
    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: "cannot open the lock file \(url.path) (errno \(errno))"])
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown owner"
            close(fd)
            throw Busy(file: url.path, owner: owner.isEmpty ? "unknown owner" : owner)
        }
        descriptor = fd
        let note = "pid \(getpid()) on \(RunRegistry.hostName) since \(RunRegistry.timestamp())\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
