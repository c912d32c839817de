// The one JSON summary of a nightly run: each step's outcome, the exit code and its meaning.
import Foundation

/// Exit codes of `marketgpt nightly` (README "Nightly runs").
public enum NightlyExitCode: Int32, Sendable, Codable {
    /// Signals written (warnings — a few failed fetches, drift in `warn` mode — are in the summary).
    case success = 0
    /// A step failed: bad config, no usable model, no data, signals could not be written.
    case failed = 1
    /// The drift gate found drift and `drift.mode` is `stop`: no signals written.
    case driftStopped = 4
    /// The coverage check failed (too many failed fetches or stale assets): no signals written.
    case coverageFailed = 5
    /// Another nightly run holds the lock: nothing done.
    case locked = 75
}

/// One step's outcome: `status` is `ok`, `warning`, `failed`, `skipped` or `stopped`; `detail` one line;
/// `values` the step's figures (counts, seconds, paths).
public struct NightlyStep: Sendable, Codable, Equatable {
    public var status: String
    public var detail: String?
    public var values: [String: JSONValue]

    public init(status: String, detail: String? = nil, values: [String: JSONValue] = [:]) {
        self.status = status
        self.detail = detail
        self.values = values
    }
}

/// A JSON scalar or list of strings (the summary's step values).
public enum JSONValue: Sendable, Codable, Equatable {
    case number(Double), string(String), bool(Bool), strings([String])

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .strings(let v): try c.encode(v)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode([String].self) { self = .strings(v) }
        else { self = .string(try c.decode(String.self)) }
    }
}

/// The summary (JSON keys: `date`, `run`, `status`, `exit_code`, `meaning`, `started_at`, `seconds`, `steps`
/// with `fetch`, `coverage`, `drift`, `signals`, `register`, `notify` in that order of execution).
public struct NightlySummary: Sendable, Codable {
    public var date: String
    /// The registry run id (nil when the registry was unavailable).
    public var run: String?
    /// `finished`, `stopped` or `failed`.
    public var status: String
    public var exitCode: Int32
    public var meaning: String
    public var startedAt: String
    public var seconds: Double
    public var steps: [String: NightlyStep]

    enum CodingKeys: String, CodingKey {
        case date, run, status, exitCode = "exit_code", meaning, startedAt = "started_at", seconds, steps
    }

    /// One JSON line, keys sorted.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// What an exit code means (the README table).
    public static func meaning(_ code: NightlyExitCode) -> String {
        switch code {
        case .success: return "signals written"
        case .failed: return "a step failed; no signals written"
        case .driftStopped: return "drift found and drift.mode is stop; no signals written"
        case .coverageFailed: return "coverage check failed; no signals written"
        case .locked: return "another nightly run holds the lock; nothing done"
        }
    }
}
