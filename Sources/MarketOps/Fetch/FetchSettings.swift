// The `fetch:` settings (of configs/nightly.yaml, or defaults + `marketgpt fetch` options).
import Foundation
import MarketTraining
import MarketSupport

/// How `fetch` talks to the provider. Every key is optional (defaults shown); unknown keys are an error.
public struct FetchSettings: Codable, Equatable, Sendable, ValidatedConfig {
    /// `yahoo` or `stooq`. Default `yahoo`.
    public var provider: PriceProvider = .yahoo
    /// Replaces the provider's scheme and host (`http://127.0.0.1:8080`); the paths stay the provider's.
    /// Default nil (the provider's own host).
    public var baseURL: String?
    /// Requests in flight at once. Default 4.
    public var concurrency = 4
    /// Largest request rate, requests per second (all assets together). Default 5.
    public var ratePerSecond = 5.0
    /// Retries after a 429, a 5xx, a time-out or a dropped connection. Default 4.
    public var retries = 4
    /// First retry delay in milliseconds, doubled each retry (±20 % jitter; `Retry-After` is honoured up to 30 s). Default 500.
    public var retryBaseMilliseconds = 500
    /// Per-request time-out in seconds (connect + whole answer). Default 20.
    public var timeoutSeconds = 20.0
    /// Calendar days before a file's last date requested again to check that the provider's past
    /// still matches the file. Default 10.
    public var overlapDays = 10
    /// Largest relative difference of an overlapping close before the asset is `history_changed`. Default 0.01.
    public var historyTolerance = 0.01
    /// Largest answer accepted, bytes. Default 50 MB.
    public var maxBodyBytes = 50 << 20

    public init() {}

    enum CodingKeys: String, CodingKey {
        case provider, baseURL = "base_url", concurrency, ratePerSecond = "rate_per_second", retries
        case retryBaseMilliseconds = "retry_base_ms", timeoutSeconds = "timeout_s", overlapDays = "overlap_days"
        case historyTolerance = "history_tolerance", maxBodyBytes = "max_body_bytes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FetchSettings()
        provider = try c.decodeIfPresent(PriceProvider.self, forKey: .provider) ?? d.provider
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? d.concurrency
        ratePerSecond = try c.decodeIfPresent(Double.self, forKey: .ratePerSecond) ?? d.ratePerSecond
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? d.retries
        retryBaseMilliseconds = try c.decodeIfPresent(Int.self, forKey: .retryBaseMilliseconds) ?? d.retryBaseMilliseconds
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
        overlapDays = try c.decodeIfPresent(Int.self, forKey: .overlapDays) ?? d.overlapDays
        historyTolerance = try c.decodeIfPresent(Double.self, forKey: .historyTolerance) ?? d.historyTolerance
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
    }

    public func validate() throws {
        func bad(_ key: CodingKeys, _ reason: String) -> ConfigValueError { ConfigValueError(keyPath: [key.rawValue], reason: reason) }
        if let baseURL {
            guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw bad(.baseURL, "must be http(s)://host[:port], found \(baseURL)")
            }
        }
        if !(1...64).contains(concurrency) { throw bad(.concurrency, "must be in 1...64, found \(concurrency)") }
        if !(ratePerSecond > 0 && ratePerSecond <= 10_000) { throw bad(.ratePerSecond, "must be in (0, 10000], found \(ratePerSecond)") }
        if !(0...10).contains(retries) { throw bad(.retries, "must be in 0...10, found \(retries)") }
        if !(0...60_000).contains(retryBaseMilliseconds) { throw bad(.retryBaseMilliseconds, "must be in 0...60000, found \(retryBaseMilliseconds)") }
        if !(timeoutSeconds > 0 && timeoutSeconds <= 600) { throw bad(.timeoutSeconds, "must be in (0, 600], found \(timeoutSeconds)") }
        if !(0...366).contains(overlapDays) { throw bad(.overlapDays, "must be in 0...366, found \(overlapDays)") }
        if !(historyTolerance >= 0 && historyTolerance < 1) { throw bad(.historyTolerance, "must be in [0, 1), found \(historyTolerance)") }
        if !(1_000...1 << 30).contains(maxBodyBytes) { throw bad(.maxBodyBytes, "must be in 1000...2^30, found \(maxBodyBytes)") }
    }

    /// The base URL used: `baseURL` without a trailing slash, else the provider's own.
    public var effectiveBaseURL: String {
        var base = baseURL ?? provider.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
