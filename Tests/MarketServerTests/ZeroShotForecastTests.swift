// A universe with an asset the served checkpoint has never seen: `/v1/forecast` scores it zero-shot and says so,
// with the numbers of `marketgpt signals` on the same universe.
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketData
import MarketServer
import XCTest

final class ZeroShotForecastTests: XCTestCase {
    /// A two-asset universe in the fixture workspace: AAPL (trained on) and NEWCO (a new ticker with its own bars,
    /// MSFT's file under another name) in `us_stocks`, a category the checkpoint knows.
    func makeUniverse() throws -> URL {
        let directory = try ServerFixture.workspace.get()
        let data = directory.appendingPathComponent("data-zero-shot/us_stocks")
        if !FileManager.default.fileExists(atPath: data.path) {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: directory.appendingPathComponent("data/us_stocks/AAPL.csv"), to: data.appendingPathComponent("AAPL.csv"))
            try FileManager.default.copyItem(at: directory.appendingPathComponent("data/us_stocks/MSFT.csv"), to: data.appendingPathComponent("NEWCO.csv"))
        }
        try """
            name: zero-shot
            bar: 1d
            categories:
              - name: us_stocks
                batch_weight: 1.0
                trading_days_per_year: 252
                history_years: 6
                assets:
                  - {ticker: "AAPL", name: "Apple", group: "Technology"}
                  - {ticker: "NEWCO", name: "A new listing", group: "Technology"}
            """.write(to: directory.appendingPathComponent("zero-shot.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    func testAnAssetTheCheckpointHasNotSeenIsForecastZeroShot() async throws {
        let directory = try makeUniverse()
        try ServerFixture.run(["signals", "--universe", "zero-shot.yaml", "--data", "data-zero-shot", "--checkpoints", "checkpoints/t",
                               "--samples", ServerFixture.samples, "--seed", ServerFixture.seed, "--date", ServerFixture.date,
                               "--out", "runs/zero-shot/signals"], in: directory)
        let file = try SignalFile.readFile(directory.appendingPathComponent("runs/zero-shot/signals/\(ServerFixture.date).csv"))
        let state = try ServerFixture.state { config in
            config.universe = "zero-shot.yaml"
            config.data = "data-zero-shot"
        }
        try await Application(router: MarketServer.router(state)).test(.router) { client in
            let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["tickers": ["NEWCO", "AAPL"], "date": ServerFixture.date]))
            let response = try await client.execute(uri: "/v1/forecast", method: .post, headers: [.contentType: "application/json"], body: body)
            XCTAssertEqual(response.status, .ok, String(buffer: response.body))
            let forecasts = ServerFixture.json(response.body)["forecasts"] as? [[String: Any]] ?? []
            XCTAssertEqual(forecasts.map { $0["ticker"] as? String }, ["NEWCO", "AAPL"])
            XCTAssertEqual(forecasts.first?["zero_shot"] as? Bool, true, "NEWCO is not in the checkpoint")
            XCTAssertEqual(forecasts.last?["zero_shot"] as? Bool, false, "AAPL is")
            for forecast in forecasts {
                let row = try XCTUnwrap(file.first { $0.ticker == forecast["ticker"] as? String })
                XCTAssertEqual(forecast["zero_shot"] as? Bool, row.zeroShot)
                XCTAssertEqual(forecast["signal"] as? String, row.signal.rawValue)
                XCTAssertNotEqual(row.reason, "no data")
                let mean = forecast["mean"] as? [Double] ?? []
                XCTAssertEqual(mean.count, row.predMean.count)
                for (served, written) in zip(mean, row.predMean) { XCTAssertEqual(served, written, accuracy: 1e-9) }
            }
        }
    }
}
