// The `notify:` section of training and nightly configs: which webhook hears which events (sent by MarketOps).
import Foundation
import MarketSupport

/// Events a webhook can be told about.
public enum NotifyEvent: String, Codable, Sendable, CaseIterable {
    /// A training epoch ended (pre-training: every `log_every` steps is not an epoch; see README).
    case epoch
    /// A training checkpoint was written.
    case checkpoint
    /// A training run or a nightly run finished.
    case finish
    /// A training run or a nightly run failed.
    case failure
    /// The drift gate found drift.
    case drift
}

/// `notify: {webhook_url: URL | webhook_url_env: VAR, format: slack|json, events: [...], timeout_s, retries}`.
/// Every key is optional; without a URL (or with an unset variable) nothing is sent. The URL is a secret:
/// it is never printed or logged (messages name the variable or say "the webhook").
public struct NotifySettings: Codable, Equatable, Sendable, ValidatedConfig {
    /// The webhook URL (prefer `webhook_url_env`, so the secret stays out of the file). Default none.
    public var webhookURL: String?
    /// An environment variable holding the URL (used when `webhook_url` is absent). Default none.
    public var webhookURLEnv: String?
    /// `slack` (`{"text": …}`) or `json` (a generic object with `event`, `run`, `status`, `text`, `fields`). Default `slack`.
    public var format: Format = .slack
    /// Events sent. Default `[finish, failure, drift]`.
    public var events: [NotifyEvent] = [.finish, .failure, .drift]
    /// Time-out of one attempt, seconds. Default 5.
    public var timeoutSeconds = 5.0
    /// Retries after a failed attempt (the total time stays under `(retries + 1) × timeout_s` plus backoff). Default 2.
    public var retries = 2

    public enum Format: String, Codable, Sendable { case slack, json }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case webhookURL = "webhook_url", webhookURLEnv = "webhook_url_env", format, events
        case timeoutSeconds = "timeout_s", retries
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NotifySettings()
        webhookURL = try c.decodeIfPresent(String.self, forKey: .webhookURL)
        webhookURLEnv = try c.decodeIfPresent(String.self, forKey: .webhookURLEnv)
        format = try c.decodeIfPresent(Format.self, forKey: .format) ?? d.format
        events = try c.decodeIfPresent([NotifyEvent].self, forKey: .events) ?? d.events
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? d.retries
    }

    public func validate() throws {
        if let webhookURL {
            guard let url = URL(string: webhookURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                // The value is a secret: say what is wrong without echoing it.
                throw ConfigValueError(keyPath: [CodingKeys.webhookURL.rawValue], reason: "must be an http(s) URL")
            }
        }
        if let webhookURLEnv, webhookURLEnv.isEmpty { throw ConfigValueError(keyPath: [CodingKeys.webhookURLEnv.rawValue], reason: "must name a variable") }
        if !(timeoutSeconds > 0 && timeoutSeconds <= 60) {
            throw ConfigValueError(keyPath: [CodingKeys.timeoutSeconds.rawValue], reason: "must be in (0, 60], found \(timeoutSeconds)")
        }
        if !(0...5).contains(retries) { throw ConfigValueError(keyPath: [CodingKeys.retries.rawValue], reason: "must be in 0...5, found \(retries)") }
    }

    /// The URL to post to: `webhook_url`, else the value of `webhook_url_env` in `environment`; nil when neither.
    public func resolvedURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let webhookURL { return webhookURL }
        if let name = webhookURLEnv, let value = environment[name], !value.isEmpty { return value }
        return nil
    }
}
