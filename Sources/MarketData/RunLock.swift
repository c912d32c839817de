// A lock file per run folder: one writer at a time, holder's pid and host inside, stale locks of dead processes taken over.
import Foundation

/// Why a run lock could not be taken.
public struct RunLockError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// An exclusive lock on a run folder: the file `<folder>/.lock` holding `pid host command`.
///
/// `acquire` creates the file with `link(2)` from a private temporary (atomic: exactly one process wins).
/// When the file exists and names a process on this host that is gone, the lock is stale: it is taken over
/// and `onTakeover` is told. A live holder (or one on another host, which cannot be checked) is an error
/// naming it. The lock is released (file removed) by `release()` or when the value is deallocated;
/// a SIGKILLed holder leaves the file behind, which is what the stale-lock takeover is for.
public final class RunLock {
    /// The lock file.
    public let url: URL
    private var held = true

    private init(url: URL) { self.url = url }

    deinit { release() }

    /// The file name of the lock inside a run folder.
    public static let fileName = ".lock"

    /// This host's name.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        return gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "unknown-host"
    }

    /// Takes the lock of `folder` (created when missing) for `command`.
    public static func acquire(folder: URL, command: String,
                               onTakeover: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> RunLock {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(fileName)
        let pid = getpid(), host = hostName
        let mine = folder.appendingPathComponent(".lock.\(pid).tmp")
        try Data("\(pid) \(host) \(command)\n".utf8).write(to: mine)
        defer { unlink(mine.path) }
        for _ in 0..<3 {
            if link(mine.path, url.path) == 0 { return RunLock(url: url) }
            guard errno == EEXIST else {
                throw RunLockError(description: "\(url.path): cannot create the run lock (\(String(cString: strerror(errno))))")
            }
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let fields = text.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count >= 2, let holder = Int32(fields[0]) else {
                // Written by nothing we know (or half-read): treat an unreadable lock as held.
                throw RunLockError(description: "\(url.path): the run is locked (unreadable lock file; remove it if no process uses this run)")
            }
            let holderHost = fields[1]
            let alive = holderHost != host || holder == pid || kill(holder, 0) == 0 || errno == EPERM
            if alive {
                let what = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespacesAndNewlines) : "a process"
                throw RunLockError(description: "\(url.path): the run is in use by \(what) (pid \(holder) on \(holderHost)); "
                                   + "wait for it to finish or use another --run")
            }
            // Stale: move it aside (only one taker succeeds), then try again.
            let aside = folder.appendingPathComponent(".lock.stale-\(pid)")
            if rename(url.path, aside.path) == 0 {
                unlink(aside.path)
                onTakeover("\(url.path): taking over a stale run lock of pid \(holder) on \(holderHost) (that process is gone)")
            }
        }
        throw RunLockError(description: "\(url.path): could not take the run lock (another process keeps taking it)")
    }

    /// Removes the lock file (once).
    public func release() {
        guard held else { return }
        held = false
        unlink(url.path)
    }
}
