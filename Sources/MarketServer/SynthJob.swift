// One synth job: its parameters, state and progress, persisted as `runs/serve/jobs/<id>/job.json`.
import Foundation
import MarketSupport

/// What a synth job makes (query parameters or multipart fields of `POST /v1/synth/jobs`).
public struct SynthJobParameters: Codable, Equatable, Sendable {
    /// Series to keep, 1…`maxCount`.
    public var count = 10
    /// Minimum fidelity (0–100) a candidate needs.
    public var minFidelity = 90.0
    /// Seed: fixes every draw (the same as `marketgpt synth --seed`).
    public var seed: UInt64 = 42
    /// Days per series (nil: the source's length), 32…`maxLength`.
    public var length: Int?
    /// `stationary` or `circular`.
    public var method = "stationary"
    /// Candidates tried per kept series before the job fails.
    public var maxAttempts = 200
    /// The uploaded file's name (for messages and the report).
    public var sourceName = "upload.csv"

    public static let maxCount = 1000
    public static let maxLength = 100_000

    enum CodingKeys: String, CodingKey {
        case count, minFidelity = "min_fidelity", seed, length, method, maxAttempts = "max_attempts", sourceName = "source_name"
    }

    public init() {}

    /// Reads the parameters from `fields` (query or form), checking every bound; throws `APIError.badRequest`.
    public init(fields: [String: String]) throws {
        let allowed: Set<String> = ["count", "min_fidelity", "seed", "length", "method", "max_attempts"]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badRequest("unknown parameter '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = fields[key] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw APIError.badRequest("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), found '\(text)'")
            }
            return value
        }
        if let value = try integer("count", 1...Self.maxCount) { count = value }
        if let value = try integer("length", 32...Self.maxLength) { length = value }
        if let value = try integer("max_attempts", 1...100_000) { maxAttempts = value }
        if let text = fields["min_fidelity"] {
            guard let value = Double(text), (0...100).contains(value) else {
                throw APIError.badRequest("min_fidelity must be a number in 0...100, found '\(text)'")
            }
            minFidelity = value
        }
        if let text = fields["seed"] {
            guard let value = UInt64(text) else { throw APIError.badRequest("seed must be an integer in 0...\(UInt64.max), found '\(text)'") }
            seed = value
        }
        if let text = fields["method"] {
            guard ["stationary", "circular"].contains(text) else {
                throw APIError.badRequest("method must be stationary or circular, found '\(text)'")
            }
            method = text
        }
    }
}

/// The two downloads of a done job, made from its `result/` folder on first request and kept.
public enum SynthJobDownload: String, CaseIterable, Sendable {
    /// One CSV per series + report.json, deflated.
    case csvZip = "result.zip"
    /// One Excel workbook per series (stored: an .xlsx is already deflated) + report.json.
    case xlsxZip = "result-xlsx.zip"
}

/// The life of a job: queued → running → done | failed | cancelled.
public enum SynthJobStatus: String, Codable, Sendable {
    case queued, running, done, failed, cancelled

    /// True once the job will not change any more.
    public var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
}

/// A job's state as served by `GET /v1/synth/jobs/{id}` and stored in `job.json`.
public struct SynthJobState: Codable, Equatable, Sendable {
    public var id: String
    public var state: SynthJobStatus
    public var parameters: SynthJobParameters
    /// ISO-8601 times.
    public var created: String
    public var started: String?
    public var finished: String?
    /// Candidates generated and scored so far.
    public var candidatesTried = 0
    /// Series kept so far (of `parameters.count`).
    public var accepted = 0
    /// Estimated seconds left (nil until the first series is kept).
    public var etaSeconds: Double?
    /// Fidelity of every kept series, in order.
    public var fidelity: [Double] = []
    /// One-line reason of a failure or cancellation.
    public var error: String?
    /// Seconds of generation (what `marketgpt synth` does: candidates, CSVs, report.json) of a done job, and
    /// of packaging (workbooks and zips, made on first download; nil until then).
    public var generationSeconds: Double?
    public var packagingSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case id, state, parameters, created, started, finished, accepted, fidelity, error
        case candidatesTried = "candidates_tried", etaSeconds = "eta_s"
        case generationSeconds = "generation_s", packagingSeconds = "packaging_s"
    }

    public init(id: String, state: SynthJobStatus, parameters: SynthJobParameters, created: String) {
        self.id = id
        self.state = state
        self.parameters = parameters
        self.created = created
    }

    /// Fraction done in [0, 1] (by series kept).
    public var progress: Double { state == .done ? 1 : Double(accepted) / Double(max(1, parameters.count)) }

    /// The JSON object served by the API (with `progress` and download links when done).
    public var json: [String: Any] {
        var object: [String: Any] = [
            "id": id, "state": state.rawValue, "created": created,
            "parameters": ["count": parameters.count, "min_fidelity": parameters.minFidelity, "seed": NSNumber(value: parameters.seed),
                           "length": parameters.length.map { $0 as Any } ?? NSNull(), "method": parameters.method,
                           "max_attempts": parameters.maxAttempts, "source_name": parameters.sourceName],
            "progress": ["candidates_tried": candidatesTried, "accepted": accepted, "count": parameters.count,
                         "fraction": progress, "eta_s": etaSeconds.map(JSONBody.number) ?? NSNull()],
            "fidelity": JSONBody.numbers(fidelity),
            "started": started ?? NSNull(), "finished": finished ?? NSNull(), "error": error ?? NSNull(),
        ]
        if state == .done {
            object["results"] = ["zip": "/v1/synth/jobs/\(id)/result.zip", "xlsx_zip": "/v1/synth/jobs/\(id)/result-xlsx.zip"]
            object["timings"] = ["generation_s": generationSeconds.map(JSONBody.number) ?? NSNull(),
                                 "packaging_s": packagingSeconds.map(JSONBody.number) ?? NSNull()]
        }
        return object
    }

    /// Now as ISO-8601.
    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
