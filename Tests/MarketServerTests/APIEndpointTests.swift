// Endpoint tests through HummingbirdTesting: health, OpenAPI ↔ router, universe, forecast = `marketgpt signals`,
// signals, runs, backtests, and every kind of bad input answered as JSON {error, detail}.
import Foundation
import MarketSupport
import Hummingbird
import HummingbirdTesting
import Logging
import MarketData
import MarketServer
import XCTest

final class APIEndpointTests: XCTestCase {
    func app(_ state: ServerState) -> some ApplicationProtocol { Application(router: MarketServer.router(state)) }

    func jsonBody(_ object: Any) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }

    func testHealthUniverseAndOpenAPIDocumentMatchesTheRouter() async throws {
        let state = try ServerFixture.state()
        // Every /v1 route and /health is documented, and every documented operation is routed.
        let routed = Set(MarketServer.router(state).routes.map { route -> String in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue.lowercased()) /\(path)"
        }.filter { $0.contains(" /v1/") || $0.hasSuffix(" /health") })
        let documented = Set(OpenAPIDocument.operations().map { "\($0.method) \($0.path)" })
        XCTAssertEqual(routed, documented)
        XCTAssertNoThrow(try MarketServer.router(state).validate())
        try await app(state).test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            XCTAssertEqual(health.status, .ok)
            let h = ServerFixture.json(health.body)
            XCTAssertEqual(h["status"] as? String, "ok")
            XCTAssertEqual(h["model_loaded"] as? Bool, true)
            XCTAssertNotNil(h["uptime_s"] as? Double)
            let doc = try await client.execute(uri: "/openapi.json", method: .get)
            XCTAssertEqual(ServerFixture.json(doc.body)["openapi"] as? String, "3.1.0")
            let docs = try await client.execute(uri: "/docs", method: .get)
            XCTAssertTrue(String(buffer: docs.body).contains("/openapi.json"))
            let universe = ServerFixture.json(try await client.execute(uri: "/v1/universe", method: .get).body)
            let assets = universe["assets"] as? [[String: Any]] ?? []
            XCTAssertEqual(assets.count, 30)
            let aapl = assets.first { $0["ticker"] as? String == "AAPL" }
            XCTAssertEqual(aapl?["category"] as? String, "us_stocks")
            XCTAssertEqual(aapl?["status"] as? String, "ok")
            XCTAssertNotNil(aapl?["last_date"] as? String)
            XCTAssertEqual(assets.first { $0["ticker"] as? String == "VALE3.SA" }?["status"] as? String, "missing")
        }
    }

    /// The forecast of a ticker equals its row of `marketgpt signals --date D --seed 5 --samples 4`.
    func testForecastEqualsTheSignalsCommandForThatDateAndSeed() async throws {
        let state = try ServerFixture.state()
        let directory = try ServerFixture.workspace.get()
        let file = try SignalFile.readFile(directory.appendingPathComponent("runs/t/signals/\(ServerFixture.date).csv"))
        try await app(state).test(.router) { client in
            let response = try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"],
                                                    body: self.jsonBody(["tickers": ["AAPL", "BTC-USD", "SAP.DE"], "date": ServerFixture.date]))
            XCTAssertEqual(response.status, .ok, String(buffer: response.body))
            let body = ServerFixture.json(response.body)
            XCTAssertEqual(body["date"] as? String, ServerFixture.date)
            let forecasts = body["forecasts"] as? [[String: Any]] ?? []
            XCTAssertEqual(forecasts.map { $0["ticker"] as? String }, ["AAPL", "BTC-USD", "SAP.DE"])
            for forecast in forecasts {
                let row = try XCTUnwrap(file.first { $0.ticker == forecast["ticker"] as? String })
                XCTAssertEqual(forecast["signal"] as? String, row.signal.rawValue)
                XCTAssertEqual(forecast["reason"] as? String, row.reason)
                // The file keeps 10 significant digits.
                XCTAssertEqual(forecast["confidence"] as? Double ?? .nan, row.confidence, accuracy: 1e-9)
                XCTAssertEqual(forecast["expected_return"] as? Double ?? .nan, row.expectedReturn, accuracy: 1e-9)
                XCTAssertEqual(forecast["epistemic_sigma"] as? Double ?? .nan, row.epistemicStd, accuracy: 1e-9)
                XCTAssertEqual(forecast["aleatoric_sigma"] as? Double ?? .nan, row.aleatoricStd, accuracy: 1e-9)
                let mean = forecast["mean"] as? [Double] ?? [], sigma = forecast["sigma"] as? [Double] ?? []
                XCTAssertEqual(mean.count, 3)
                for h in 0..<3 {
                    XCTAssertEqual(mean[h], row.predMean[h], accuracy: 1e-9)
                    XCTAssertEqual(sigma[h], row.predStd[h], accuracy: 1e-9)
                }
            }
            // Another seed gives other numbers (the comparison above can fail).
            let other = try ServerFixture.state { $0.seed = 6 }
            let otherRows = try other.forecasts.records(date: CivilDate.parseISO(ServerFixture.date)!, samples: nil, horizon: nil)
            XCTAssertNotEqual(otherRows.first { $0.ticker == "AAPL" }?.predMean, file.first { $0.ticker == "AAPL" }?.predMean)
        }
    }

    func testSignalsRunsAndBacktests() async throws {
        let state = try ServerFixture.state()
        try await app(state).test(.router) { client in
            let latest = ServerFixture.json(try await client.execute(uri: "/v1/signals/latest", method: .get).body)
            XCTAssertEqual(latest["date"] as? String, ServerFixture.date)
            XCTAssertEqual((latest["signals"] as? [Any])?.count, 30)
            let byDate = try await client.execute(uri: "/v1/signals/\(ServerFixture.date)", method: .get)
            XCTAssertEqual(byDate.status, .ok)
            let missing = try await client.execute(uri: "/v1/signals/2001-01-01", method: .get)
            XCTAssertEqual(missing.status, .notFound)
            let runs = ServerFixture.json(try await client.execute(uri: "/v1/runs", method: .get).body)["runs"] as? [[String: Any]] ?? []
            XCTAssertEqual(runs.map { $0["name"] as? String }, ["t"])
            XCTAssertEqual(runs.first?["backtest"] as? Bool, true)
            let run = ServerFixture.json(try await client.execute(uri: "/v1/runs/t", method: .get).body)
            XCTAssertEqual((run["metrics"] as? [[String: Any]])?.count, 20)
            XCTAssertNotNil(run["evaluation"] as? [String: Any])
            let backtest = ServerFixture.json(try await client.execute(uri: "/v1/backtests/t", method: .get).body)
            XCTAssertNotNil((backtest["metrics"] as? [String: Any])?["sharpe"])
            XCTAssertGreaterThan((backtest["equity"] as? [Any])?.count ?? 0, 3)
            XCTAssertNotNil(backtest["trades"] as? [Any])
        }
    }

    func testBadInputIsAnsweredAsJSONErrors() async throws {
        let state = try ServerFixture.state { $0.bodyLimitBytes = 4096 }
        try await app(state).test(.router) { client in
            func check(_ uri: String, _ status: HTTPResponse.Status, _ contains: String, method: HTTPRequest.Method = .get,
                       body: ByteBuffer? = nil, headers: HTTPFields = [:], line: UInt = #line) async throws {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                XCTAssertEqual(response.status, status, "\(uri): \(String(buffer: response.body))", line: line)
                let error = ServerFixture.json(response.body)
                XCTAssertNotNil(error["error"] as? String, uri, line: line)
                XCTAssertTrue((error["detail"] as? String ?? "").contains(contains), "\(uri): \(error)", line: line)
                XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8", line: line)
            }
            try await check("/v1/forecast", .notFound, "unknown ticker 'NOPE'", method: .post, body: self.jsonBody(["tickers": ["NOPE"]]))
            try await check("/v1/forecast", .badRequest, "JSON object", method: .post, body: ByteBuffer(string: "{"))
            try await check("/v1/forecast", .badRequest, "unknown key 'extra'", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "extra": 1]))
            try await check("/v1/forecast", .badRequest, "'samples'", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "samples": 0]))
            try await check("/v1/forecast", .badRequest, "'samples' has the wrong type", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "samples": true]))
            try await check("/v1/forecast", .badRequest, "YYYY-MM-DD", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "date": "2025-13-45"]))
            try await check("/v1/forecast", .badRequest, "horizon 9", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "horizon": 9]))
            try await check("/v1/forecast", .notFound, "no asset has data", method: .post, body: self.jsonBody(["tickers": ["AAPL"], "date": "1990-01-01"]))
            try await check("/v1/forecast", .contentTooLarge, "body_limit_bytes", method: .post, body: ByteBuffer(repeating: UInt8(ascii: " "), count: 5000))
            // Path traversal and malformed names never reach the file system.
            try await check("/v1/runs/..", .badRequest, "plain folder name")
            try await check("/v1/runs/..%2F..%2Fetc", .badRequest, "plain folder name")
            try await check("/v1/backtests/.hidden", .badRequest, "plain folder name")
            try await check("/v1/runs/nope", .notFound, "no run 'nope'")
            try await check("/v1/signals/..%2Fx", .badRequest, "YYYY-MM-DD")
            try await check("/v1/synth/jobs/..%2F..%2Fetc%2Fpasswd", .notFound, "no synth job")
            try await check("/v1/nothing", .notFound, "Not Found")
            try await check("/health", .notFound, "Not Found", method: .delete)
            // A bad CSV: the loader's one-line reason (file, line, what).
            try await check("/v1/synth/jobs?count=2", .unprocessableContent, "upload.csv", method: .post, body: ByteBuffer(string: "Date,Open,High,Low,Close,Volume\n2020-01-01,1,2\n"), headers: [.contentType: "text/csv"])
            try await check("/v1/synth/jobs?count=0", .badRequest, "count", method: .post, body: ByteBuffer(string: "x"), headers: [.contentType: "text/csv"])
            try await check("/v1/synth/jobs?colour=red", .badRequest, "unknown parameter", method: .post, body: ByteBuffer(string: "x"), headers: [.contentType: "text/csv"])
            try await check("/v1/synth/jobs", .contentTooLarge, "body_limit_bytes", method: .post, body: ByteBuffer(repeating: 65, count: 5000), headers: [.contentType: "text/csv"])
        }
    }

    func testMutatingEndpointsNeedTheTokenWhenBoundElsewhere() async throws {
        XCTAssertThrowsError(try ServerFixture.state { $0.host = "0.0.0.0" }) { error in
            XCTAssertTrue("\(error)".contains("needs a bearer token"))
        }
        let state = try ServerFixture.state({ $0.host = "0.0.0.0" }, environment: ["MARKETGPT_SERVE_TOKEN": "s3cret"])
        try await app(state).test(.router) { client in
            let csv = ByteBuffer(string: "Date,Open,High,Low,Close,Volume\n")
            let anonymous = try await client.execute(uri: "/v1/synth/jobs", method: .post, headers: [.contentType: "text/csv"], body: csv)
            XCTAssertEqual(anonymous.status, .unauthorized)
            XCTAssertEqual(ServerFixture.json(anonymous.body)["error"] as? String, "unauthorized")
            let wrong = try await client.execute(uri: "/v1/synth/jobs/x", method: .delete, headers: [.authorization: "Bearer s3creT"])
            XCTAssertEqual(wrong.status, .unauthorized)
            let right = try await client.execute(uri: "/v1/synth/jobs", method: .post,
                                                 headers: [.contentType: "text/csv", .authorization: "Bearer s3cret"], body: csv)
            XCTAssertEqual(right.status, .unprocessableContent)   // past the token, the CSV is checked
            let read = try await client.execute(uri: "/v1/synth/jobs", method: .get)
            XCTAssertEqual(read.status, .ok)
            let forecast = try await client.execute(uri: "/v1/forecast", method: .post, body: self.jsonBody(["tickers": ["AAPL"]]))
            XCTAssertEqual(forecast.status, .ok)
        }
    }

    func testASlowHandlerIsCutOffWith504AndAnUnexpectedErrorIs500JSON() async throws {
        let router = Router(context: BasicRequestContext.self)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        router.add(middleware: APIMiddleware(logger: logger, timeout: 0.3))
        router.get("/slow") { _, _ -> Response in
            try await Blocking.run { Thread.sleep(forTimeInterval: 3); return Response(status: .ok) }
        }
        struct Boom: Error {}
        router.get("/boom") { _, _ -> Response in throw Boom() }
        try await Application(router: router).test(.router) { client in
            let started = Date()
            let slow = try await client.execute(uri: "/slow", method: .get)
            XCTAssertEqual(slow.status, .gatewayTimeout)
            XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
            XCTAssertEqual(ServerFixture.json(slow.body)["error"] as? String, "timeout")
            let boom = try await client.execute(uri: "/boom", method: .get)
            XCTAssertEqual(boom.status, .internalServerError)
            XCTAssertEqual(ServerFixture.json(boom.body)["error"] as? String, "internal")
        }
    }
}
