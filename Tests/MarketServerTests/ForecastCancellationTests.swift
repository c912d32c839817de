// Forecasts whose request is gone stop their scoring: a timed-out forecast (router) and a SIGTERM during a long
// forecast (the real binary); and the latest date warmed at start.
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketServer
import MarketSupport
import XCTest

final class ForecastCancellationTests: XCTestCase {
    /// A forecast far too long for the tiny model (10⁵ MC passes: minutes in a debug build).
    static let slowBody = ["tickers": ["AAPL"], "date": ServerFixture.date, "samples": 100_000] as [String: Any]
    static let quickBody = ["tickers": ["MSFT"], "date": ServerFixture.date] as [String: Any]

    func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// Waits until no blocking work is left (at most `seconds`); true when it drained.
    func drained(within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if Blocking.pendingCount == 0 { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return Blocking.pendingCount == 0
    }

    /// A timed-out forecast stops its scoring: the work leaves the queue at once and the next forecast is not
    /// held up behind it (before, it kept the serial queue for the whole million passes).
    func testATimedOutForecastStopsAndDoesNotHoldUpTheNext() async throws {
        let state = try ServerFixture.state { config in
            config.requestTimeoutSeconds = 1
            config.maxSamples = 1_000_000
        }
        try await Application(router: MarketServer.router(state)).test(.router) { client in
            let started = Date()
            let slow = try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(data: self.json(Self.slowBody)))
            XCTAssertEqual(slow.status, .gatewayTimeout, String(buffer: slow.body))
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
            let drained = await self.drained(within: 10)
            XCTAssertTrue(drained, "the timed-out forecast's scoring did not stop")
            let quickStart = Date()
            let quick = try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(data: self.json(Self.quickBody)))
            XCTAssertEqual(quick.status, .ok, String(buffer: quick.body))
            XCTAssertLessThan(Date().timeIntervalSince(quickStart), 20, "the next forecast waited behind the stopped one")
            XCTAssertFalse(state.forecasts.isCached(date: try XCTUnwrap(CivilDate.parseISO(ServerFixture.date)), samples: 100_000, horizon: nil))
        }
    }

    /// The latest date is scored in the background and `/health` says so; afterwards it is a cache hit.
    func testWarmStartScoresTheLatestDateAndHealthReportsIt() async throws {
        let state = try ServerFixture.state()
        let latest = try XCTUnwrap(state.forecasts.latestDate)
        XCTAssertFalse(state.forecasts.isCached(date: latest, samples: nil, horizon: nil))
        XCTAssertEqual(state.forecasts.warmup.state, "off")
        let task = try XCTUnwrap(state.forecasts.warmLatest())
        XCTAssertEqual(state.forecasts.warmup.state, "warming")
        await task.value
        XCTAssertEqual(state.forecasts.warmup.state, "warm", "\(state.forecasts.warmup)")
        XCTAssertEqual(state.forecasts.warmup.date, latest)
        XCTAssertTrue(state.forecasts.isCached(date: latest, samples: nil, horizon: nil))
        try await Application(router: MarketServer.router(state)).test(.router) { client in
            let health = ServerFixture.json(try await client.execute(uri: "/health", method: .get).body)
            XCTAssertEqual(health["warming"] as? Bool, false)
            XCTAssertEqual((health["warmup"] as? [String: Any])?["state"] as? String, "warm")
        }
    }

    /// The real binary: SIGTERM during a long forecast stops its scoring and exits promptly with status 0.
    func testSIGTERMDoesNotWaitForALongForecast() throws {
        let directory = try ServerFixture.workspace.get()
        let config = try LiveServer.writeConfig(directory, name: "serve-cancel.yaml", extra: "max_samples: 1000000\nrequest_timeout_s: 600")
        let server = try LiveServer(directory: directory, arguments: ["--config", config])
        let inFlight = Thread {
            _ = try? server.request("/v1/forecast", method: "POST", body: self.json(Self.slowBody),
                                    headers: ["Content-Type": "application/json"], timeout: 120)
        }
        inFlight.start()
        Thread.sleep(forTimeInterval: 1.5)
        let stopping = Date()
        XCTAssertEqual(server.stop(timeout: 30), 0, server.log())
        XCTAssertLessThan(Date().timeIntervalSince(stopping), 30)
        XCTAssertTrue(server.log().contains("stopped_work="), server.log())
    }
}
