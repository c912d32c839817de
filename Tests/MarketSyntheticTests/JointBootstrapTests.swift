// Joint (block-synchronised) bootstrap: cross-correlations kept (independent draws lose them), stress draws, determinism, real data.
import Foundation
import XCTest
import MarketData
@testable import MarketSynthetic
import MarketSupport

final class JointBootstrapTests: XCTestCase {
    /// A one-factor category: r_i = 0.01·s_t·(0.7·f_t + 0.714·e_i,t) with volatility regimes s_t ∈ {1, 2.5}
    /// switching every 50 days, so pairwise correlations are about 0.49.
    static func factorCategory(assets: Int = 6, days: Int = 3000, seed: UInt64 = 7) -> [(ticker: String, assetID: Int, series: OHLCVSeries)] {
        var rng = SeededRandom(seed: seed, salt: SeededRandom.syntheticSalt)
        var level = 1.0
        let regime: [Double] = (0..<days).map { t in
            if t % 50 == 0 { level = rng.uniform() < 0.3 ? 2.5 : 1 }
            return level
        }
        let factor: [Double] = (0..<days).map { _ in rng.gaussian() }
        return (0..<assets).map { i in
            var close = 100.0
            var o: [Double] = [], h: [Double] = [], l: [Double] = [], c: [Double] = [], v: [Double] = []
            for t in 0..<days {
                let r = 0.01 * regime[t] * (0.7 * factor[t] + 0.714 * rng.gaussian())
                let open = close * exp(0.001 * rng.gaussian())
                close *= exp(r)
                o.append(open); c.append(close)
                h.append(max(open, close) * 1.004); l.append(min(open, close) * 0.996)
                v.append(1e6 * exp(0.3 * rng.gaussian()))
            }
            let dates: [DayNumber] = (0..<days).map { (day: Int) -> DayNumber in
                let week = day / 5
                return DayNumber(10_000 + day + 2 * week)
            }
            return ("A\(i)", i, OHLCVSeries(dates: dates, open: o, high: h, low: l, close: c, volume: v))
        }
    }

    func testJointDrawsKeepTheCorrelationsIndependentDrawsLoseThem() throws {
        let source = try JointBootstrapSource(assets: Self.factorCategory())
        let real = JointBootstrapSource.medianPairwise(source.correlation, count: source.assetCount)
        XCTAssertEqual(real, 0.49, accuracy: 0.05, "the fixture's correlation")
        let joint = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 3, minimumFidelity: 0, seed: 11))
        for scenario in joint {
            XCTAssertEqual(scenario.medianCorrelation, real, accuracy: 0.05, "joint draw keeps the median pairwise correlation")
            XCTAssertLessThan(scenario.correlationError, 0.05)
            XCTAssertEqual(scenario.series.count, 6)
            XCTAssertTrue(scenario.series.allSatisfy { $0.isSynthetic.allSatisfy { $0 } })
        }
        let independent = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 3, minimumFidelity: 0, seed: 11, independent: true))
        for scenario in independent {
            XCTAssertEqual(scenario.medianCorrelation, 0, accuracy: 0.05, "independent draws lose the correlation")
            XCTAssertGreaterThan(scenario.correlationError, 0.4)
            XCTAssertLessThan(scenario.jointFidelity, joint[0].jointFidelity)
        }
        // Determinism: the same seed gives the same bars; another seed other bars.
        let again = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 1, minimumFidelity: 0, seed: 11))
        XCTAssertEqual(again[0].series, joint[0].series)
        let other = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 1, minimumFidelity: 0, seed: 12))
        XCTAssertNotEqual(other[0].series, joint[0].series)
    }

    func testStressDrawsComeFromTheCategorysVolatileDays() throws {
        let source = try JointBootstrapSource(assets: Self.factorCategory(), stressQuantile: 0.1)
        XCTAssertEqual(Double(source.stressDays.count), 0.1 * Double(source.dayCount), accuracy: 0.02 * Double(source.dayCount))
        XCTAssertTrue(source.stressDays.allSatisfy { $0 >= 10 && $0 < source.dayCount - 10 }, "a stress day has a full 21-day window")
        let normal = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 2, minimumFidelity: 0, seed: 3, length: 500))
        let stress = try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 2, minimumFidelity: 0, seed: 3, length: 500, stress: true))
        let real = JointSynthesis.portfolioStatistics(source.sources.map(\.logReturn))
        for (calm, stressed) in zip(normal, stress) {
            XCTAssertGreaterThan(stressed.portfolioVolatility, 1.5 * calm.portfolioVolatility)
            XCTAssertGreaterThan(stressed.portfolioVolatility, 1.5 * real.volatility)
            XCTAssertTrue(stressed.series[0].isSynthetic.allSatisfy { $0 })
        }
    }

    func testRejectionAndBadInputsAreErrors() throws {
        let category = Self.factorCategory(assets: 3, days: 400)
        XCTAssertThrowsError(try JointBootstrapSource(assets: Array(category.prefix(1))))
        var late = category
        late[2].series = late[2].series.slice(300..<400)
        XCTAssertThrowsError(try JointBootstrapSource(assets: late)) { XCTAssertTrue(String(describing: $0).contains("A2"), "\($0)") }
        let source = try JointBootstrapSource(assets: category)
        XCTAssertThrowsError(try JointSynthesis.generate(source, options: JointSynthesisOptions(minimumFidelity: 100.1, maxAttempts: 2))) {
            XCTAssertTrue(String(describing: $0).contains("2 attempts"), "\($0)")
        }
    }

    func testRealUSStocksKeepTheirMedianPairwiseCorrelation() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/real/us_stocks").standardizedFileURL
        guard FileManager.default.fileExists(atPath: folder.path) else { throw XCTSkip("no real data at \(folder.path)") }
        let tickers = ["AAPL", "MSFT", "JPM", "XOM", "JNJ", "PG", "KO", "WMT", "INTC", "CSCO"]
        let assets = try tickers.enumerated().map { (i, ticker) in (ticker, i, try OHLCVCSV.load(folder.appendingPathComponent("\(ticker).csv")).series) }
        let source = try JointBootstrapSource(assets: assets)
        XCTAssertGreaterThan(source.dayCount, 4000)
        let real = JointBootstrapSource.medianPairwise(source.correlation, count: source.assetCount)
        XCTAssertGreaterThan(real, 0.2, "real US stocks move together")
        // Accepted scenarios (joint fidelity ≥ the default 85, which pays 1 point per 0.004 of correlation error).
        for scenario in try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 3, seed: 5)) {
            XCTAssertEqual(scenario.medianCorrelation, real, accuracy: 0.05)
            XCTAssertGreaterThanOrEqual(scenario.jointFidelity, 85)
        }
        for scenario in try JointSynthesis.generate(source, options: JointSynthesisOptions(count: 1, minimumFidelity: 0, seed: 5, independent: true)) {
            XCTAssertEqual(scenario.medianCorrelation, 0, accuracy: 0.05)
        }
    }
}
