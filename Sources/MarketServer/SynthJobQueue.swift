// The background synth jobs: a bounded queue, `job_concurrency` workers, cancellation and restart recovery.
import Foundation
import MarketSupport
import Logging
import MarketData
import MarketSynthetic

/// Holds every job of `root` (`runs/serve/jobs`): accepts uploads, runs at most `concurrency` jobs at a
/// time on background threads (they go on when the client goes away), keeps at most `queueLimit` waiting,
/// cancels, and on start marks jobs a previous server left queued or running as failed, deleting their
/// unfinished files. A job's results appear only when complete: they are written under `<id>/.partial/`
/// and renamed into place before the state becomes `done`; the ZIPs are made on first download (`download`).
public final class SynthJobQueue: @unchecked Sendable {
    public let root: URL
    public let concurrency: Int
    public let queueLimit: Int
    public let threads: Int
    private let logger: Logger
    private let lock = NSLock()
    private var jobs: [String: SynthJobState] = [:]
    private var waiting: [String] = []
    private var running = 0
    private var cancelled: Set<String> = []
    /// One lock per job whose downloads are being built (so each ZIP is built once).
    private var packagingLocks: [String: NSLock] = [:]
    /// Bumped on every state change (for waiters and SSE streams).
    private var changes = 0

    /// Loads the jobs under `root` (creating it), marking unfinished ones failed.
    public init(root: URL, concurrency: Int, queueLimit: Int, threads: Int, logger: Logger) throws {
        self.root = root
        self.concurrency = concurrency
        self.queueLimit = queueLimit
        self.threads = threads
        self.logger = logger
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where ServerPaths.isSafeName(name) {
            let folder = root.appendingPathComponent(name)
            guard let bytes = try? Data(contentsOf: folder.appendingPathComponent("job.json")),
                  var state = try? JSONDecoder().decode(SynthJobState.self, from: bytes) else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(".partial"))
            // A ZIP being built when the server stopped (AtomicFile's temporary `.result….tmp-…`): never renamed, so dropped.
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasPrefix(".result") {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(file))
            }
            if !state.state.isFinal {
                for file in SynthJobWork.resultNames { try? FileManager.default.removeItem(at: folder.appendingPathComponent(file)) }
                state.state = .failed
                state.error = "the server stopped before the job finished (restart)"
                state.finished = SynthJobState.now()
                try? save(state)
                logger.warning("synth job marked failed after restart", metadata: ["job": .string(state.id)])
            }
            jobs[state.id] = state
        }
    }

    /// The folder of job `id` (nil for a malformed id).
    public func folder(_ id: String) -> URL? { ServerPaths.child(root, id) }

    /// Validates `csv` (the loader's one-line reason → 422), stores it and queues the job; 429 when the
    /// queue is full.
    public func submit(csv: Data, parameters: SynthJobParameters) throws -> SynthJobState {
        try SynthJobWork.validate(csv: csv, parameters: parameters)
        let id = UUID().uuidString.lowercased()
        let state = SynthJobState(id: id, state: .queued, parameters: parameters, created: SynthJobState.now())
        lock.lock()
        guard waiting.count < queueLimit || running < concurrency else {
            lock.unlock()
            throw APIError(.tooManyRequests, "queue_full", "\(waiting.count) jobs are waiting (job_queue_limit \(queueLimit)); try again later")
        }
        lock.unlock()
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(csv, to: folder.appendingPathComponent(SynthJobWork.inputName))
        try save(state)
        lock.lock()
        jobs[id] = state
        waiting.append(id)
        changes += 1
        lock.unlock()
        logger.info("synth job queued", metadata: ["job": .string(id), "count": .stringConvertible(parameters.count)])
        startWaiting()
        return state
    }

    /// The state of `id`.
    public func state(_ id: String) -> SynthJobState? {
        lock.lock(); defer { lock.unlock() }
        return jobs[id]
    }

    /// Every job, newest first.
    public func list() -> [SynthJobState] {
        lock.lock(); defer { lock.unlock() }
        return jobs.values.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// A counter that changes whenever any job does.
    public var version: Int { lock.lock(); defer { lock.unlock() }; return changes }

    /// Cancels `id`: a queued job at once, a running one at its next batch. Nil when unknown.
    @discardableResult
    public func cancel(_ id: String) -> SynthJobState? {
        lock.lock()
        guard var state = jobs[id] else { lock.unlock(); return nil }
        if state.state == .queued {
            waiting.removeAll { $0 == id }
            state.state = .cancelled
            state.error = "cancelled before it started"
            state.finished = SynthJobState.now()
            jobs[id] = state
            changes += 1
            lock.unlock()
            try? save(state)
            return state
        }
        if state.state == .running { cancelled.insert(id) }
        lock.unlock()
        return state
    }

    /// The file of a done job's download, built on its first request (`SynthJobWork.package`) and kept:
    /// concurrent first requests build it once. The seconds spent are added to the job's `packaging_s`.
    /// Throws `APIError` 404 (unknown job) or 409 (not done).
    public func download(_ id: String, _ package: SynthJobDownload) throws -> URL {
        guard let state = self.state(id), let folder = folder(id) else { throw APIError.notFound("no synth job '\(id.prefix(60))'") }
        guard state.state == .done else { throw APIError.conflict("job \(id) is \(state.state.rawValue); results exist only when it is done") }
        let url = folder.appendingPathComponent(package.rawValue)
        let packaging = lock.withLock { () -> NSLock in
            if let existing = packagingLocks[id] { return existing }
            let made = NSLock()
            packagingLocks[id] = made
            return made
        }
        return try packaging.withLock {
            if FileManager.default.fileExists(atPath: url.path) { return url }
            let seconds = try SynthJobWork.package(package, folder: folder, threads: threads)
            update(id) { $0.packagingSeconds = ($0.packagingSeconds ?? 0) + seconds }
            if let after = self.state(id) { try? save(after) }
            logger.info("synth job packaged", metadata: ["job": .string(id), "file": .string(package.rawValue),
                                                         "seconds": .string(String(format: "%.2f", seconds))])
            return url
        }
    }

    /// Blocks until no job is queued or running (tests and shutdown), at most `timeout` seconds.
    public func waitIdle(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let idle = running == 0 && waiting.isEmpty
            lock.unlock()
            if idle { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    // MARK: workers

    private func startWaiting() {
        lock.lock()
        var starting: [String] = []
        while running < concurrency, !waiting.isEmpty {
            let id = waiting.removeFirst()
            running += 1
            jobs[id]?.state = .running
            jobs[id]?.started = SynthJobState.now()
            changes += 1
            starting.append(id)
        }
        let states = starting.compactMap { jobs[$0] }
        lock.unlock()
        for state in states {
            try? save(state)
            let thread = Thread { [self] in run(state.id) }
            thread.name = "synth-job"
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    private func run(_ id: String) {
        guard let state = self.state(id) else { return }
        let folder = root.appendingPathComponent(id)
        let started = Date()
        var final: SynthJobState
        var timing: Logger.Metadata = [:]
        do {
            let outcome = try SynthJobWork.run(folder: folder, parameters: state.parameters, threads: threads, progress: { tried, accepted in
                self.update(id) { job in
                    job.candidatesTried = tried
                    job.accepted = accepted
                    let elapsed = Date().timeIntervalSince(started)
                    job.etaSeconds = accepted > 0 ? elapsed * Double(job.parameters.count - accepted) / Double(accepted) : nil
                }
            }, isCancelled: { self.isCancelled(id) })
            final = self.state(id) ?? state
            final.state = .done
            final.accepted = outcome.fidelity.count
            final.fidelity = outcome.fidelity
            final.generationSeconds = outcome.generationSeconds
            timing = ["generation_s": .string(String(format: "%.2f", outcome.generationSeconds))]
            final.etaSeconds = 0
        } catch {
            final = self.state(id) ?? state
            if error is CancellationError || isCancelled(id) {
                final.state = .cancelled
                final.error = "cancelled while running"
            } else {
                final.state = .failed
                final.error = (error as? CustomStringConvertible)?.description ?? "\(error)"
            }
            for file in SynthJobWork.resultNames { try? FileManager.default.removeItem(at: folder.appendingPathComponent(file)) }
        }
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(".partial"))
        final.finished = SynthJobState.now()
        try? save(final)
        lock.lock()
        jobs[id] = final
        cancelled.remove(id)
        running -= 1
        changes += 1
        lock.unlock()
        logger.info("synth job finished", metadata: timing.merging(["job": .string(id), "state": .string(final.state.rawValue),
                                                                    "seconds": .string(String(format: "%.2f", Date().timeIntervalSince(started)))]) { $1 })
        startWaiting()
    }

    private func isCancelled(_ id: String) -> Bool { lock.lock(); defer { lock.unlock() }; return cancelled.contains(id) }

    private func update(_ id: String, _ change: (inout SynthJobState) -> Void) {
        lock.lock()
        if var state = jobs[id] { change(&state); jobs[id] = state; changes += 1 }
        lock.unlock()
    }

    private func save(_ state: SynthJobState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: root.appendingPathComponent(state.id).appendingPathComponent("job.json"))
    }
}
