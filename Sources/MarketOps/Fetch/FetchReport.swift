// What `marketgpt fetch` did, per asset and in total (the status table and the `--json` object).
import Foundation
import MarketData

/// The outcome of one asset.
public enum FetchStatus: String, Sendable, Codable, Equatable {
    /// New rows were appended.
    case updated
    /// A file was created (the asset had none).
    case created
    /// The provider had nothing after the file's last date.
    case upToDate = "up_to_date"
    /// The provider answered garbage, an error, or faulty rows; the file is unchanged.
    case failed
    /// The provider's past differs from the file's (a split re-adjusted it); the file is unchanged.
    case historyChanged = "history_changed"

    /// True for outcomes that leave the asset current.
    public var isSuccess: Bool { self == .updated || self == .created || self == .upToDate }
}

/// One asset's row of the status table. JSON keys: `ticker`, `category`, `file`, `status`, `new_rows`,
/// `null_rows`, `last_date` (YYYY-MM-DD or null), `attempts`, `http_status` (last, or null), `detail`.
public struct AssetFetchResult: Sendable, Codable, Equatable {
    public var ticker: String
    public var category: String
    /// The CSV path (relative as given).
    public var file: String
    public var status: FetchStatus
    public var newRows: Int
    public var nullRows: Int
    public var lastDate: String?
    /// HTTP requests made (1 + retries).
    public var attempts: Int
    public var httpStatus: Int?
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case ticker, category, file, status, newRows = "new_rows", nullRows = "null_rows", lastDate = "last_date"
        case attempts, httpStatus = "http_status", detail
    }
}

/// The whole run. JSON keys: `provider`, `assets`, `requests`, `seconds`, `requests_per_second`,
/// `counts` (status → assets), `ok` (every asset current).
public struct FetchReport: Sendable, Codable {
    public var provider: PriceProvider
    public var assets: [AssetFetchResult]
    public var requests: Int
    public var seconds: Double
    public var requestsPerSecond: Double
    public var counts: [String: Int]
    public var ok: Bool

    enum CodingKeys: String, CodingKey {
        case provider, assets, requests, seconds, requestsPerSecond = "requests_per_second", counts, ok
    }

    init(provider: PriceProvider, assets: [AssetFetchResult], seconds: Double) {
        self.provider = provider
        self.assets = assets
        requests = assets.reduce(0) { $0 + $1.attempts }
        self.seconds = seconds
        requestsPerSecond = seconds > 0 ? Double(requests) / seconds : 0
        counts = Dictionary(grouping: assets, by: { $0.status.rawValue }).mapValues(\.count)
        ok = assets.allSatisfy { $0.status.isSuccess }
    }

    /// The report as one JSON line (keys sorted).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The per-asset status table (faults first, then the rest in universe order) and a total line.
    public func table() -> String {
        let ordered = assets.filter { !$0.status.isSuccess } + assets.filter { $0.status.isSuccess }
        var out = "ticker         category        status           new  last date   tries  detail\n"
        for a in ordered {
            out += a.ticker.padding(toLength: 14, withPad: " ", startingAt: 0) + " "
                + a.category.padding(toLength: 15, withPad: " ", startingAt: 0) + " "
                + a.status.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0) + " "
                + String(format: "%4d", a.newRows) + "  "
                + (a.lastDate ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                + String(format: "%5d", a.attempts) + "  " + (a.detail ?? "") + "\n"
        }
        let summary = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        out += "fetch (\(provider.rawValue)): \(assets.count) assets — \(summary); \(requests) requests in "
            + String(format: "%.2f s (%.1f req/s)", seconds, requestsPerSecond) + "\n"
        return out
    }
}
