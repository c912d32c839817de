// CollectiveWatch: the watchdog that ends an MPI job when one collective waits too long.
import Foundation

/// Watches the collective in progress from a background thread: when one has waited more than `timeout`
/// seconds, it prints which rank waited for what and how long, and ends this process with exit code 75
/// (`mpirun` then ends every other rank and reports the exit). It never calls MPI itself, so it is safe
/// beside a thread blocked inside MPI.
final class CollectiveWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var what: String?
    private var since: UInt64 = 0
    private var running = false

    /// Starts the watchdog thread (checks twice a second).
    func start(rank: Int, timeout: Double) {
        lock.lock()
        running = true
        lock.unlock()
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(0.5, timeout / 4))
                lock.lock()
                let active = running, pending = what, started = since
                lock.unlock()
                if !active { return }
                guard let pending else { continue }
                let waited = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                if waited > timeout {
                    FileHandle.standardError.write(Data(("marketgpt: rank \(rank): \(pending) waited \(String(format: "%.0f", waited)) s, more than the "
                        + "collective timeout of \(String(format: "%g", timeout)) s: another rank died or hangs; ending the job\n").utf8))
                    _exit(75)
                }
            }
        }
        thread.name = "marketgpt-mpi-watch"
        thread.start()
    }

    /// A collective named `what` starts now.
    func begin(_ what: String) {
        lock.lock()
        self.what = what
        since = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
    }

    /// The collective in progress returned.
    func end() {
        lock.lock()
        what = nil
        lock.unlock()
    }

    /// Stops the thread (at the next check).
    func stop() {
        lock.lock()
        running = false
        lock.unlock()
    }
}
