// The run registry: an SQLite database (GRDB, WAL) of every run, its metrics and artefacts, and promotions.
import Foundation
import GRDB
import MarketData

/// A registry that cannot be opened or written: the message names the file and what to do.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
}

/// The run registry at `runs/registry.sqlite` (`RunRegistry.defaultPath`).
///
/// SQLite in WAL mode through a GRDB `DatabasePool`: any number of processes may write at once
/// (each write is one short transaction; a writer waits up to `busyTimeout` seconds for another).
/// Opening it migrates the schema and marks stale runs failed (`running` rows of this host whose
/// process is gone). Errors are `RegistryError`s naming the file: a corrupt file, a locked database,
/// an unknown run id.
///
/// For the server and the nightly run, `production(category:)` / `promotions()` are the API:
/// the checkpoint promoted for a category, with the content hash it had when promoted.
public final class RunRegistry: @unchecked Sendable {
    /// `runs/registry.sqlite`, relative to the working directory.
    public static let defaultPath = "runs/registry.sqlite"

    public let url: URL
    private let pool: DatabasePool

    /// Opens (creating when absent) the registry at `url`; `busyTimeout` seconds of waiting for a
    /// concurrent writer before a write fails as "locked".
    public init(url: URL = URL(fileURLWithPath: RunRegistry.defaultPath), busyTimeout: Double = 10) throws {
        self.url = url
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "marketgpt-registry"
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            pool = try DatabasePool(path: url.path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw Self.describe(error, file: url.path)
        }
        _ = try? markStaleRuns()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: RunRecord.databaseTableName) { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull().indexed()
                t.column("name", .text)
                t.column("status", .text).notNull().indexed()
                t.column("started_at", .text).notNull()
                t.column("ended_at", .text)
                t.column("config_hash", .text)
                t.column("universe_hash", .text)
                t.column("seed", .integer)
                t.column("code_version", .text).notNull()
                t.column("command", .text).notNull()
                t.column("metrics", .text).notNull()
                t.column("artefacts", .text).notNull()
                t.column("checkpoint_path", .text)
                t.column("checkpoint_hash", .text)
                t.column("pid", .integer).notNull()
                t.column("host", .text).notNull()
                t.column("error", .text)
                t.column("archived", .boolean).notNull().defaults(to: false)
            }
            func promotionColumns(_ t: TableDefinition) {
                t.column("category", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("run_id", .text).notNull()
                t.column("checkpoint_path", .text).notNull()
                t.column("checkpoint_hash", .text)
                t.column("promoted_at", .text).notNull()
            }
            try db.create(table: Promotion.databaseTableName) { t in
                promotionColumns(t)
                t.primaryKey(["category", "stage"])
            }
            // Every promotion ever made, in order.
            try db.create(table: "promotion_log") { t in
                t.autoIncrementedPrimaryKey("seq")
                promotionColumns(t)
            }
        }
        return migrator
    }

    // MARK: writing runs

    /// Registers a new `running` run of this process and returns its id.
    @discardableResult
    public func start(kind: RunKind, name: String? = nil, command: [String] = CommandLine.arguments,
                      configHash: String? = nil, universeHash: String? = nil, seed: Int64? = nil,
                      codeVersion: String, checkpointPath: String? = nil, checkpointHash: String? = nil) throws -> String {
        let record = RunRecord(id: Self.newID(kind: kind), kind: kind, name: name, status: .running,
                               startedAt: Self.timestamp(), endedAt: nil, configHash: configHash, universeHash: universeHash,
                               seed: seed, codeVersion: codeVersion, command: command.joined(separator: " "),
                               metrics: [:], artefacts: [:], checkpointPath: checkpointPath, checkpointHash: checkpointHash,
                               pid: getpid(), host: Self.hostName, error: nil, archived: false)
        try write { db in try record.insert(db) }
        return record.id
    }

    /// Ends run `id` as `finished` or `failed`, merging `metrics` and `artefacts` into what it has.
    public func finish(_ id: String, status: RunStatus, metrics: [String: Double] = [:], artefacts: [String: String] = [:],
                       checkpointPath: String? = nil, checkpointHash: String? = nil, error: String? = nil) throws {
        try write { db in
            guard var record = try RunRecord.fetchOne(db, key: id) else {
                throw RegistryError(file: self.url.path, reason: "no run '\(id)'")
            }
            record.status = status
            record.endedAt = Self.timestamp()
            record.metrics.merge(metrics.filter { $0.value.isFinite }) { $1 }
            record.artefacts.merge(artefacts) { $1 }
            if let checkpointPath { record.checkpointPath = checkpointPath }
            if let checkpointHash { record.checkpointHash = checkpointHash }
            record.error = error
            try record.update(db)
        }
    }

    /// Marks `running` rows of this host whose process no longer exists as `failed`; returns their ids.
    @discardableResult
    public func markStaleRuns() throws -> [String] {
        try write { db in
            let running = try RunRecord.filter(RunRecord.CodingKeys.status == RunStatus.running.rawValue)
                .filter(RunRecord.CodingKeys.host == Self.hostName).fetchAll(db)
            var stale: [String] = []
            for var record in running where !Self.processExists(record.pid) {
                record.status = .failed
                record.endedAt = Self.timestamp()
                record.error = "process \(record.pid) on \(record.host) ended without finishing the run (killed or crashed)"
                try record.update(db)
                stale.append(record.id)
            }
            return stale
        }
    }

    /// Hides run `id` from `runs(…)` unless archived runs are asked for (the row is kept).
    public func archive(_ id: String) throws {
        try write { db in
            guard var record = try RunRecord.fetchOne(db, key: id) else {
                throw RegistryError(file: self.url.path, reason: "no run '\(id)'")
            }
            guard record.status != .running else {
                throw RegistryError(file: self.url.path, reason: "run '\(id)' is still running")
            }
            record.archived = true
            try record.update(db)
        }
    }

    /// Promotes the checkpoint of run `id` for `category` at `stage`: the run's `checkpoint.<category>`
    /// artefact when it has one, else its main checkpoint. The run must be a finished pretrain, finetune or
    /// experiment run, the file must exist
    /// and (when recorded) still have the content hash the run recorded.
    @discardableResult
    public func promote(_ id: String, category: String, stage: PromotionStage,
                        contentHash: (URL) throws -> String?) throws -> Promotion {
        let record = try run(id)
        guard [.pretrain, .finetune, .experiment].contains(record.kind) else {
            throw RegistryError(file: url.path, reason: "run '\(id)' is a \(record.kind.rawValue) run; only pretrain, finetune and experiment runs produce checkpoints to promote")
        }
        guard record.status == .finished else {
            throw RegistryError(file: url.path, reason: "run '\(id)' is \(record.status.rawValue); only a finished run can be promoted")
        }
        guard let path = record.artefacts["checkpoint.\(category)"] ?? record.checkpointPath else {
            throw RegistryError(file: url.path, reason: "run '\(id)' (\(record.kind.rawValue)) recorded no checkpoint to promote")
        }
        let fileURL = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: fileURL.path) else {
            throw RegistryError(file: url.path, reason: "run '\(id)': its checkpoint \(path) no longer exists")
        }
        let hash = try contentHash(fileURL)
        let recorded = record.artefacts["checkpoint.\(category)"] != nil ? record.artefacts["checkpoint_hash.\(category)"] : record.checkpointHash
        if let recorded, let hash, recorded != hash {
            throw RegistryError(file: url.path, reason: "run '\(id)': \(path) has content hash \(hash), the run recorded \(recorded) (the file was replaced since)")
        }
        let promotion = Promotion(category: category, stage: stage, runID: id, checkpointPath: path, checkpointHash: hash,
                                  promotedAt: Self.timestamp())
        try write { db in
            try promotion.save(db)
            try db.execute(sql: "INSERT INTO promotion_log (category, stage, run_id, checkpoint_path, checkpoint_hash, promoted_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [category, stage.rawValue, id, path, hash, promotion.promotedAt])
        }
        return promotion
    }

    // MARK: reading

    /// Run `id` (a unique prefix of an id is accepted).
    public func run(_ id: String) throws -> RunRecord {
        try read { db in
            if let exact = try RunRecord.fetchOne(db, key: id) { return exact }
            let matches = try RunRecord.filter(RunRecord.CodingKeys.id.like("\(id)%")).limit(2).fetchAll(db)
            guard matches.count == 1 else {
                throw RegistryError(file: self.url.path, reason: matches.isEmpty ? "no run '\(id)'" : "'\(id)' matches several runs; give more of the id")
            }
            return matches[0]
        }
    }

    /// Runs, newest first, filtered by kind and status; archived runs only when `includeArchived`.
    public func runs(kind: RunKind? = nil, status: RunStatus? = nil, includeArchived: Bool = false, limit: Int = 50) throws -> [RunRecord] {
        try read { db in
            var request = RunRecord.all()
            if let kind { request = request.filter(RunRecord.CodingKeys.kind == kind.rawValue) }
            if let status { request = request.filter(RunRecord.CodingKeys.status == status.rawValue) }
            if !includeArchived { request = request.filter(RunRecord.CodingKeys.archived == false) }
            return try request.order(RunRecord.CodingKeys.startedAt.desc, RunRecord.CodingKeys.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// Every current promotion, by category then stage.
    public func promotions() throws -> [Promotion] {
        try read { db in try Promotion.order(Promotion.CodingKeys.category, Promotion.CodingKeys.stage).fetchAll(db) }
    }

    /// The production checkpoint of `category` (nil when none was promoted).
    public func production(category: String) throws -> Promotion? {
        try promotion(category: category, stage: .production)
    }

    /// The checkpoint promoted for `category` at `stage`.
    public func promotion(category: String, stage: PromotionStage) throws -> Promotion? {
        try read { db in try Promotion.fetchOne(db, key: [Promotion.CodingKeys.category.rawValue: category,
                                                          Promotion.CodingKeys.stage.rawValue: stage.rawValue]) }
    }

    // MARK: plumbing

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as RegistryError { throw error } catch {
            throw Self.describe(error, file: url.path)
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as RegistryError { throw error } catch {
            throw Self.describe(error, file: url.path)
        }
    }

    /// A one-line reason for a database error, naming the file.
    static func describe(_ error: Error, file: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return RegistryError(file: file, reason: "not a valid SQLite database (corrupt?); move it aside and a new registry is started (\(error.message ?? ""))")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return RegistryError(file: file, reason: "database is locked by another process (waited for the busy time-out)")
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return RegistryError(file: file, reason: "cannot open or write the database (\(error.message ?? "\(error.resultCode)"))")
            default:
                return RegistryError(file: file, reason: "\(error.message ?? "SQLite error \(error.resultCode)")")
            }
        }
        return RegistryError(file: file, reason: "\(error)")
    }

    /// This machine's host name (the run lock's).
    public static var hostName: String { RunLock.hostName }

    /// True when a process with this id exists (EPERM counts as existing).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Now as ISO 8601 UTC with milliseconds (`2026-12-01T22:30:00.123Z`).
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// A new run id: kind, UTC time to the second, 6 random hex digits.
    static func newID(kind: RunKind) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let random = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
        return "\(kind.rawValue)-\(formatter.string(from: Date()))-\(String(repeating: "0", count: 6 - random.count))\(random)"
    }
}
