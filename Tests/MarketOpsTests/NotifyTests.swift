// Webhook notifications against a receiver on 127.0.0.1: payloads, events, retries, time-outs, the URL never logged.
import Foundation
import MarketTraining
@testable import MarketOps
import XCTest
import MarketSupport

final class NotifyTests: XCTestCase {
    func settings(_ url: String?, format: NotifySettings.Format = .slack, events: [NotifyEvent] = [.finish, .failure, .drift],
                  timeout: Double = 1, retries: Int = 2) -> NotifySettings {
        var s = NotifySettings()
        s.webhookURLEnv = "TEST_WEBHOOK"
        s.format = format
        s.events = events
        s.timeoutSeconds = timeout
        s.retries = retries
        return s
    }

    func send(_ notifier: WebhookNotifier, _ message: NotifyMessage) throws -> NotifyOutcome {
        try AsyncBridge.wait {
            let outcome = await notifier.send(message)
            await notifier.shutdown()
            return outcome
        }
    }

    let message = NotifyMessage(event: .finish, source: "nightly", run: "nightly-1", status: "finished", text: "done: BUY 3", fields: ["date": "2026-12-01"])

    func testSlackAndJSONPayloadsReachTheReceiver() throws {
        let receiver = try FixtureServer { _ in .text("ok", contentType: "text/plain") }
        defer { receiver.shutdown() }
        let url = receiver.baseURL + "/hooks/secret-token"
        let slack = WebhookNotifier(settings: settings(url), environment: ["TEST_WEBHOOK": url])
        XCTAssertEqual(try send(slack, message).result, "sent")
        let json = WebhookNotifier(settings: settings(url, format: .json), environment: ["TEST_WEBHOOK": url])
        XCTAssertEqual(try send(json, message).result, "sent")
        let requests = receiver.requests
        XCTAssertEqual(requests.count, 2)
        XCTAssertEqual(requests[0].method, "POST")
        XCTAssertEqual(requests[0].uri, "/hooks/secret-token")
        let first = try JSONSerialization.jsonObject(with: Data(requests[0].body)) as! [String: Any]
        XCTAssertEqual(first as NSDictionary, ["text": "done: BUY 3"] as NSDictionary)
        let second = try JSONSerialization.jsonObject(with: Data(requests[1].body)) as! [String: Any]
        XCTAssertEqual(second["event"] as? String, "finish")
        XCTAssertEqual(second["run"] as? String, "nightly-1")
        XCTAssertEqual((second["fields"] as? [String: String])?["date"], "2026-12-01")
        XCTAssertNotNil(second["time"])
    }

    func testUnwantedEventsAndMissingURLSendNothing() throws {
        let receiver = try FixtureServer { _ in .text("ok") }
        defer { receiver.shutdown() }
        let onlyFailures = WebhookNotifier(settings: settings(nil, events: [.failure]), environment: ["TEST_WEBHOOK": receiver.baseURL])
        XCTAssertEqual(try send(onlyFailures, message).result, "skipped")
        let unset = WebhookNotifier(settings: settings(nil), environment: [:])
        XCTAssertFalse(unset.isActive)
        XCTAssertEqual(try send(unset, message).result, "skipped")
        XCTAssertEqual(receiver.requests.count, 0)
    }

    func testFailingWebhookIsRetriedLoggedWithoutTheURLAndBounded() throws {
        let receiver = try FixtureServer { _ in .text("boom", status: .internalServerError) }
        defer { receiver.shutdown() }
        let url = receiver.baseURL + "/hooks/secret-token"
        let lines = LineLog()
        let notifier = WebhookNotifier(settings: settings(url, retries: 2), environment: ["TEST_WEBHOOK": url], log: { lines.append($0) })
        let outcome = try send(notifier, message)
        XCTAssertEqual(outcome.result, "failed")
        XCTAssertEqual(outcome.attempts, 3)
        XCTAssertEqual(receiver.requests.count, 3)
        XCTAssertEqual(lines.all.count, 1)
        XCTAssertTrue(lines.all[0].contains("$TEST_WEBHOOK") && lines.all[0].contains("HTTP 500"), lines.all[0])
        XCTAssertFalse(lines.all.joined().contains("secret-token"))
        XCTAssertFalse(lines.all.joined().contains("127.0.0.1"))
    }

    func testSlowWebhookNeverHoldsTheRunBeyondItsTimeouts() throws {
        let receiver = try FixtureServer { _ in
            var r = FixtureResponse.text("late")
            r.delay = .seconds(5)
            return r
        }
        defer { receiver.shutdown() }
        let lines = LineLog()
        let notifier = WebhookNotifier(settings: settings(receiver.baseURL, timeout: 0.3, retries: 1),
                                       environment: ["TEST_WEBHOOK": receiver.baseURL], log: { lines.append($0) })
        let started = Date()
        let outcome = try send(notifier, message)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(outcome.result, "failed")
        XCTAssertEqual(outcome.detail, "time-out")
        XCTAssertLessThan(seconds, 2 * 0.3 + 0.2 + 0.8)   // (retries + 1) × timeout + backoff + slack
        // Nothing listening at all: fails fast, still no URL in the log.
        let closed = WebhookNotifier(settings: settings(nil, timeout: 0.5, retries: 1), environment: ["TEST_WEBHOOK": "http://127.0.0.1:9/hook"],
                                     log: { lines.append($0) })
        XCTAssertEqual(try send(closed, message).result, "failed")
        XCTAssertFalse(lines.all.joined().contains("127.0.0.1"))
    }

    func testNotifySectionIsAcceptedByTrainingConfigsStrictly() throws {
        let yaml = """
            training: {batch_size: 4}
            notify: {webhook_url_env: MY_HOOK, format: json, events: [epoch, checkpoint, finish, failure], timeout_s: 2, retries: 1}
            """
        let config = try StrictYAML.decode(TrainingRunConfig.self, from: yaml, file: "t.yaml")
        XCTAssertEqual(config.notify?.events, [.epoch, .checkpoint, .finish, .failure])
        XCTAssertEqual(config.notify?.resolvedURL(environment: ["MY_HOOK": "http://x/y"]), "http://x/y")
        XCTAssertThrowsError(try StrictYAML.decode(TrainingRunConfig.self, from: "notify: {webhook: http://x}", file: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("notify.webhook"), "\($0)")
        }
        // A bad URL is reported without echoing it.
        XCTAssertThrowsError(try StrictYAML.decode(TrainingRunConfig.self, from: "notify: {webhook_url: 'ftp://secret'}", file: "t.yaml")) {
            XCTAssertFalse("\($0)".contains("secret"), "\($0)")
        }
    }
}

/// Collects log lines (thread-safe).
final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
