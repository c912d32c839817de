// Posts run events to a webhook (Slack-compatible or generic JSON) with time-outs and retries; never throws.
import AsyncHTTPClient
import Foundation
import MarketTraining
import NIOCore

/// One message: an event of a run, a human line and a few fields.
public struct NotifyMessage: Sendable {
    public var event: NotifyEvent
    /// `nightly`, `pretrain`, `finetune`, … (what sends it).
    public var source: String
    /// The registry run id, when known.
    public var run: String?
    /// `finished`, `failed`, `drift`, `running` (checkpoint/epoch).
    public var status: String
    /// One line for people (the Slack text).
    public var text: String
    /// Extra values (numbers or strings) for machines.
    public var fields: [String: String]

    public init(event: NotifyEvent, source: String, run: String? = nil, status: String, text: String, fields: [String: String] = [:]) {
        self.event = event
        self.source = source
        self.run = run
        self.status = status
        self.text = text
        self.fields = fields
    }
}

/// What happened to one message (for logs and the nightly summary; never contains the URL).
public struct NotifyOutcome: Sendable, Codable, Equatable {
    /// `sent`, `failed`, `skipped` (event not wanted or no URL).
    public var result: String
    public var attempts: Int
    public var detail: String?
}

/// Sends `NotifyMessage`s to the webhook of a `NotifySettings`.
///
/// Each attempt has `timeout_s`; failed attempts (time-out, connection error, non-2xx) are retried
/// `retries` times with a short backoff (0.2 s, 0.4 s, …), so one message never takes longer than
/// `(retries + 1) × timeout_s + 0.2 × 2^retries` seconds. Failures are logged in one line — naming
/// the variable the URL came from, never the URL — and never thrown.
public final class WebhookNotifier: @unchecked Sendable {
    public let settings: NotifySettings
    private let url: String?
    private let log: @Sendable (String) -> Void
    private let client: HTTPClient?
    private let pending = PendingSends()

    /// A notifier for `settings` (URL resolved from `environment`); without a URL it sends nothing.
    public init(settings: NotifySettings?, environment: [String: String] = ProcessInfo.processInfo.environment,
                log: @escaping @Sendable (String) -> Void = { RunRecorder.standardError($0) }) {
        self.settings = settings ?? NotifySettings()
        url = settings?.resolvedURL(environment: environment)
        self.log = log
        if url != nil {
            var configuration = HTTPClient.Configuration()
            let timeout = TimeAmount.milliseconds(Int64(self.settings.timeoutSeconds * 1000))
            configuration.timeout = .init(connect: timeout, read: timeout)
            configuration.redirectConfiguration = .disallow
            client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        } else {
            client = nil
        }
    }

    /// True when a URL is configured (messages can be sent).
    public var isActive: Bool { url != nil }

    /// Where the URL came from, for log lines (never the URL itself).
    var origin: String {
        if settings.webhookURL != nil { return "the webhook (notify.webhook_url)" }
        return "the webhook ($\(settings.webhookURLEnv ?? "?"))"
    }

    /// Sends `message` if its event is wanted; returns when it was delivered or gave up.
    @discardableResult
    public func send(_ message: NotifyMessage) async -> NotifyOutcome {
        guard let url, let client, settings.events.contains(message.event) else {
            return NotifyOutcome(result: "skipped", attempts: 0, detail: url == nil ? "no webhook URL" : "event not in notify.events")
        }
        let body = Self.payload(message, format: settings.format)
        var lastProblem = ""
        for attempt in 0...settings.retries {
            if attempt > 0 { try? await Task.sleep(nanoseconds: UInt64(0.2 * pow(2, Double(attempt - 1)) * 1e9)) }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
                _ = try? await response.body.collect(upTo: 64 << 10)
                if (200..<300).contains(response.status.code) {
                    return NotifyOutcome(result: "sent", attempts: attempt + 1, detail: nil)
                }
                lastProblem = "HTTP \(response.status.code)"
            } catch let error as HTTPClientError {
                lastProblem = error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout ? "time-out" : "\(error)"
            } catch {
                lastProblem = "connection failed"   // NIO errors name the host: not printed
            }
        }
        let attempts = settings.retries + 1
        log("notify: \(origin) failed after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(lastProblem)); the run goes on")
        return NotifyOutcome(result: "failed", attempts: attempts, detail: lastProblem)
    }

    /// Sends without waiting (training epochs/checkpoints); `flush()` waits for what is in flight.
    public func post(_ message: NotifyMessage) {
        guard isActive, settings.events.contains(message.event) else { return }
        let task = Task { _ = await self.send(message) }
        pending.add(task)
    }

    /// Waits for messages posted with `post` (each bounded by its own time-outs and retries).
    public func flush() async {
        for task in pending.drain() { await task.value }
    }

    /// Waits for posted messages, then closes the HTTP client.
    public func shutdown() async {
        await flush()
        try? await client?.shutdown()
    }

    /// The request body: Slack `{"text": …}` or the generic object (keys sorted).
    static func payload(_ message: NotifyMessage, format: NotifySettings.Format) -> [UInt8] {
        var object: [String: Any]
        switch format {
        case .slack:
            object = ["text": message.text]
        case .json:
            object = ["event": message.event.rawValue, "source": message.source, "status": message.status,
                      "text": message.text, "fields": message.fields, "time": RunRegistry.timestamp()]
            if let run = message.run { object["run"] = run }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data)
    }
}

/// Tasks of `post` not yet flushed.
final class PendingSends: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    func add(_ task: Task<Void, Never>) {
        lock.lock(); defer { lock.unlock() }
        tasks.append(task)
    }

    func drain() -> [Task<Void, Never>] {
        lock.lock(); defer { lock.unlock() }
        defer { tasks = [] }
        return tasks
    }
}
