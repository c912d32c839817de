// A lock file per run folder: one writer at a time, holder's pid and host inside, stale locks of dead processes taken over.
import Foundation

/// Why a run lock could not be taken.
public struct RunLockError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// An exclusive lock on a run folder: the file `<folder>/.lock` holding `pid host command`.
///
/// Exclusion is the kernel's: the holder keeps the file open with `flock(LOCK_EX)`, which the kernel drops when
/// the process ends in any way (SIGKILL included), so two processes can never both hold a run — not even two
/// that find the same stale lock at the same instant (only one gets the flock; the other is told the run is in
/// use). The text inside names the holder for messages and is also respected on its own: a file naming a live
/// process on this host, or any process on another host (which cannot be checked), is a held lock even when no
/// flock is held on it (written by an older MarketGPT). A file naming a process that is gone is stale: it is
/// taken over and `onTakeover` is told. `release()` (or deallocation) removes the file while still holding the
/// flock; a taker that opened the removed file sees that its inode is no longer the path's and tries again.
public final class RunLock {
    /// The lock file.
    public let url: URL
    private var descriptor: Int32

    private init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

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
        for _ in 0..<8 {
            let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw RunLockError(description: "\(url.path): cannot create the run lock (\(String(cString: strerror(errno))))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = Holder(contents(fd))
                close(fd)
                guard code == EWOULDBLOCK else {
                    throw RunLockError(description: "\(url.path): cannot lock the run (\(String(cString: strerror(code))))")
                }
                throw inUse(url, holder)
            }
            // The flock is ours; make sure it is on the file the path names now (not one a releaser removed).
            var opened = stat(), named = stat()
            guard fstat(fd, &opened) == 0, stat(url.path, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev else {
                close(fd)
                continue
            }
            let text = contents(fd)
            if !text.isEmpty {
                guard let holder = Holder(text) else {
                    close(fd)
                    throw RunLockError(description: "\(url.path): the run is locked (unreadable lock file; remove it if no process uses this run)")
                }
                let alive = holder.host != host || holder.pid == pid || kill(holder.pid, 0) == 0 || errno == EPERM
                if alive {
                    close(fd)
                    throw inUse(url, holder)
                }
                onTakeover("\(url.path): taking over a stale run lock of pid \(holder.pid) on \(holder.host) (that process is gone)")
            }
            let line = Array("\(pid) \(host) \(command)\n".utf8)
            guard ftruncate(fd, 0) == 0, line.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == line.count else {
                let reason = String(cString: strerror(errno))
                unlink(url.path)
                close(fd)
                throw RunLockError(description: "\(url.path): cannot write the run lock (\(reason))")
            }
            return RunLock(url: url, descriptor: fd)
        }
        throw RunLockError(description: "\(url.path): could not take the run lock (another process keeps taking it)")
    }

    /// Removes the lock file and drops the flock (once).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(url.path)
        close(descriptor)
        descriptor = -1
    }

    /// `pid host command` of a lock file.
    private struct Holder {
        var pid: Int32
        var host: String
        var command: String?

        init?(_ text: String) {
            let fields = text.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count >= 2, let pid = Int32(fields[0]) else { return nil }
            self.pid = pid
            host = fields[1].trimmingCharacters(in: .whitespacesAndNewlines)
            command = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
    }

    private static func inUse(_ url: URL, _ holder: Holder?) -> RunLockError {
        guard let holder else {
            return RunLockError(description: "\(url.path): the run is in use by another process; wait for it to finish or use another --run")
        }
        return RunLockError(description: "\(url.path): the run is in use by \(holder.command ?? "a process") (pid \(holder.pid) on \(holder.host)); "
                            + "wait for it to finish or use another --run")
    }

    /// The first 4 KiB of the open lock file as text.
    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }
}
