// A client that disconnects stops its forecast: the real Hummingbird server on a 127.0.0.1 port, a raw TCP client
// that sends a long forecast and closes its socket; and the connection watch and deadline underneath.
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketServer
import MarketSupport
import XCTest

final class ClientDisconnectTests: XCTestCase {
    /// A raw HTTP/1.1 client on a POSIX socket (so the test controls exactly when the connection closes).
    final class RawClient {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw NSError(domain: "socket", code: 1) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(fd); throw NSError(domain: "connect", code: Int(errno)) }
        }

        /// Sends `POST path` with a JSON body.
        func post(_ path: String, json body: Data, port: Int) throws {
            var message = Data("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
            message.append(body)
            let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == message.count else { throw NSError(domain: "send", code: Int(errno)) }
        }

        /// Closes the socket (a FIN to the server: the client is gone).
        func disconnect() { close(fd) }
    }

    func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// Polls `condition` every 20 ms for at most `seconds`; true when it held.
    func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition()
    }

    /// The real server (600 s request timeout): a client sends a forecast of 10⁵ MC passes (minutes in a debug
    /// build) and closes its socket while it runs. Its work leaves the queue within seconds — long before the
    /// timeout —, another connection is served during and after, the next forecast answers normally, no
    /// connection watch or close action is left behind, and the stopped result is not cached.
    func testADisconnectedClientsForecastStopsAtOnce() async throws {
        let state = try ServerFixture.state { config in
            config.requestTimeoutSeconds = 600
            config.maxSamples = 1_000_000
        }
        let slow = json(ForecastCancellationTests.slowBody)
        let quick = json(ForecastCancellationTests.quickBody)
        try await MarketServer.application(state).test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let baseline = Blocking.pendingCount
            let raw = try RawClient(port: port)
            try raw.post("/v1/forecast", json: slow, port: port)
            let started = await self.eventually(within: 30) { Blocking.pendingCount > baseline }
            XCTAssertTrue(started, "the slow forecast never started")
            // Another connection is served while the forecast runs.
            let health = try await client.execute(uri: "/health", method: .get)
            XCTAssertEqual(health.status, .ok)
            try await Task.sleep(nanoseconds: 300_000_000)
            XCTAssertGreaterThan(Blocking.pendingCount, baseline, "the slow forecast ended on its own (it must run for minutes)")
            let closed = Date()
            raw.disconnect()
            let drained = await self.eventually(within: 15) { Blocking.pendingCount == baseline }
            XCTAssertTrue(drained, "the disconnected client's forecast kept running")
            print("client disconnect: forecast work left the queue \(String(format: "%.2f", Date().timeIntervalSince(closed))) s after the close")
            let quickStart = Date()
            let answer = try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(data: quick))
            XCTAssertEqual(answer.status, .ok, String(buffer: answer.body))
            XCTAssertEqual((ServerFixture.json(answer.body)["forecasts"] as? [[String: Any]])?.first?["ticker"] as? String, "MSFT")
            XCTAssertLessThan(Date().timeIntervalSince(quickStart), 20, "the next forecast waited behind the stopped one")
            XCTAssertFalse(state.forecasts.isCached(date: try XCTUnwrap(CivilDate.parseISO(ServerFixture.date)), samples: 100_000, horizon: nil))
            let watched = await self.eventually(within: 5) { ClientConnection.watchedCount == 1 }
            XCTAssertTrue(watched, "the closed connection is still watched (\(ClientConnection.watchedCount) watched; the test client's is 1)")
            XCTAssertEqual(RequestDeadline.pending, 0)
        }
        let released = await eventually(within: 5) { ClientConnection.watchedCount == 0 }
        XCTAssertTrue(released, "connections still watched after the server stopped: \(ClientConnection.watchedCount)")
    }

    /// A watched connection: actions registered while open run once at close, removed ones never; after the
    /// close, registering runs the action at once and returns nil.
    func testConnectionRunsItsCloseActionsOnce() {
        let connection = ClientConnection()
        let counter = Counter()
        let kept = connection.onClose { counter.add(1) }
        let dropped = connection.onClose { counter.add(100) }
        XCTAssertNotNil(kept)
        connection.remove(try! XCTUnwrap(dropped))
        XCTAssertEqual(connection.pendingActions, 1)
        connection.close()
        connection.close()
        XCTAssertEqual(counter.value, 1)
        XCTAssertTrue(connection.isClosed)
        XCTAssertNil(connection.onClose { counter.add(10) })
        XCTAssertEqual(counter.value, 11)
        XCTAssertEqual(connection.pendingActions, 0)
    }

    /// The deadline with a connection: many requests on one keep-alive connection leave no close action behind
    /// (bounded memory); the client going away ends a running operation at once with the gone error and
    /// cancels it; a request on a connection already gone ends before its operation can finish.
    func testDeadlineEndsWhenTheClientGoesAndLeavesNothingBehind() async throws {
        struct Gone: Error {}
        struct Late: Error {}
        let connection = ClientConnection()
        for _ in 0..<1_000 {
            let value = try await RequestDeadline.run(seconds: 600, connection: connection, timeoutError: { Late() }, goneError: { Gone() }) { 7 }
            XCTAssertEqual(value, 7)
        }
        XCTAssertEqual(connection.pendingActions, 0)
        XCTAssertEqual(RequestDeadline.pending, 0)

        let cancelled = Counter()
        let started = Date()
        let closer = Task {
            try await Task.sleep(nanoseconds: 200_000_000)
            connection.close()
        }
        do {
            _ = try await RequestDeadline.run(seconds: 600, connection: connection, timeoutError: { Late() }, goneError: { Gone() }) { () async -> Int in
                while !Task.isCancelled { try? await Task.sleep(nanoseconds: 5_000_000) }
                cancelled.add(1)
                return 0
            }
            XCTFail("the operation outlived its client")
        } catch is Gone {
        }
        try await closer.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(cancelled.value, 1, "the operation was not cancelled")
        XCTAssertEqual(RequestDeadline.pending, 0)

        do {
            _ = try await RequestDeadline.run(seconds: 600, connection: connection, timeoutError: { Late() }, goneError: { Gone() }) { () async -> Int in
                while !Task.isCancelled { try? await Task.sleep(nanoseconds: 5_000_000) }
                return 0
            }
            XCTFail("a request of a gone client ran")
        } catch is Gone {
        }
        XCTAssertEqual(connection.pendingActions, 0)
        XCTAssertEqual(RequestDeadline.pending, 0)
    }

    /// A thread-safe counter.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add(_ n: Int) { lock.withLock { count += n } }
        var value: Int { lock.withLock { count } }
    }
}
