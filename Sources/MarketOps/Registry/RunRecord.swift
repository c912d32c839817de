// The registry's rows: one run (`runs` table) and one promotion (`promotions` table), with typed column keys.
import Foundation
import GRDB

/// What kind of command a run was.
public enum RunKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case pretrain, finetune, experiment, signals, backtest, nightly
}

/// A run's state. A `running` row whose process is gone (same host, dead pid) becomes `failed`.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case running, finished, failed
}

/// The stage a checkpoint is promoted to for a category.
public enum PromotionStage: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case production, staging
}

/// One run of the `runs` table (columns = the coding keys). Times are ISO 8601 UTC strings;
/// `metrics` maps names to numbers, `artefacts` maps names to paths (a checkpoint per category is
/// `checkpoint.<category>`).
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    /// `<kind>-<yyyyMMdd-HHmmss>-<6 hex>`, unique across concurrent writers.
    public var id: String
    public var kind: RunKind
    /// The run's name (`--run`), e.g. `pretrain`; nil when the command has none.
    public var name: String?
    public var status: RunStatus
    public var startedAt: String
    public var endedAt: String?
    /// FNV-1a 64-bit hex of the config file's bytes (nil without a config).
    public var configHash: String?
    /// FNV-1a 64-bit hex of the universe file's bytes.
    public var universeHash: String?
    public var seed: Int64?
    /// `marketgpt --version` (+ git commit when known).
    public var codeVersion: String
    /// The command line (program name first).
    public var command: String
    public var metrics: [String: Double]
    public var artefacts: [String: String]
    /// The main checkpoint written (or used) and its `content_hash`.
    public var checkpointPath: String?
    public var checkpointHash: String?
    /// Process id and host name of the writer (stale-run detection).
    public var pid: Int32
    public var host: String
    /// Why the run failed (one line).
    public var error: String?
    public var archived: Bool

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, kind, name, status, startedAt = "started_at", endedAt = "ended_at", configHash = "config_hash"
        case universeHash = "universe_hash", seed, codeVersion = "code_version", command, metrics, artefacts
        case checkpointPath = "checkpoint_path", checkpointHash = "checkpoint_hash", pid, host, error, archived
    }
}

/// A checkpoint promoted for a category and stage (`promotions` table; one row per category + stage,
/// replaced by the next promotion; every promotion is also appended to `promotion_log`).
public struct Promotion: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "promotions"

    public var category: String
    public var stage: PromotionStage
    public var runID: String
    /// The checkpoint file and its `content_hash` at promotion time (checked again when loaded).
    public var checkpointPath: String
    public var checkpointHash: String?
    public var promotedAt: String

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case category, stage, runID = "run_id", checkpointPath = "checkpoint_path", checkpointHash = "checkpoint_hash"
        case promotedAt = "promoted_at"
    }
}
