// Gaussian scores, point scores and the Diebold–Mariano test against hand values, integrals and Python.

import Foundation
import XCTest
@testable import MarketTraining
import MarketData
import MarketTestSupport

final class ForecastMetricsTests: XCTestCase {
    /// Seeded standard normal draws (SplitMix64 + Box–Muller).
    static func normals(_ count: Int, seed: UInt64) -> [Double] {
        GARCH11(omega: 1, alpha: 0, beta: 0).simulate(count: count, seed: seed, burnIn: 0)
    }

    func testNLLAndCRPSHandValuesAndIntegral() {
        XCTAssertEqual(GaussianScores.negativeLogLikelihood(target: [1.0], mean: [0.0], variance: [1.0]),
                       0.5 * (log(2 * Double.pi) + 1), accuracy: 1e-14)
        XCTAssertEqual(GaussianScores.crps(target: [0.0], mean: [0.0], variance: [1.0]),
                       2 / (2 * Double.pi).squareRoot() - 1 / Double.pi.squareRoot(), accuracy: 1e-14)  // 2φ(0) − 1/√π
        // CRPS = ∫ (F(x) − 1{x ≥ y})² dx, by the trapezoid rule on a fine grid.
        for (y, mu, v) in [(0.3, -0.1, 0.25), (-2.0, 0.5, 1.5), (0.01, 0.0, 1e-4)] {
            let sigma = v.squareRoot(), lo = mu - 12 * sigma - abs(y), hi = mu + 12 * sigma + abs(y)
            let steps = 200_000
            let dx = (hi - lo) / Double(steps)
            var integral = 0.0
            for k in 0...steps {
                let x = lo + Double(k) * dx
                let g = NormalDistribution.cdf((x - mu) / sigma) - (x >= y ? 1 : 0)
                integral += (k == 0 || k == steps ? 0.5 : 1) * g * g * dx
            }
            XCTAssertEqual(GaussianScores.crps(target: [y], mean: [mu], variance: [v]), integral, accuracy: 1e-4 * sigma)
        }
        // Invalid entries are skipped; Float arrays work the same.
        XCTAssertEqual(GaussianScores.negativeLogLikelihood(target: [Float(1), .nan, 2], mean: [0, 0, 0], variance: [1, 1, 0]),
                       0.5 * (log(2 * Double.pi) + 1), accuracy: 1e-6)
        XCTAssertTrue(GaussianScores.crps(target: [Double.nan], mean: [0], variance: [1]).isNaN)
    }

    func testCoverageAndPITOfCalibratedAndOverdispersedForecasts() {
        let y = Self.normals(40_000, seed: 7)
        let zero = [Double](repeating: 0, count: y.count)
        let one = [Double](repeating: 1, count: y.count)
        XCTAssertEqual(GaussianScores.coverage(target: y, mean: zero, variance: one, level: 0.5), 0.5, accuracy: 0.01)
        XCTAssertEqual(GaussianScores.coverage(target: y, mean: zero, variance: one, level: 0.9), 0.9, accuracy: 0.006)
        let pit = GaussianScores.pitHistogram(target: y, mean: zero, variance: one)
        XCTAssertEqual(pit.count, 10)
        XCTAssertEqual(pit.reduce(0, +), 1, accuracy: 1e-12)
        for fraction in pit { XCTAssertEqual(fraction, 0.1, accuracy: 0.008) }
        // Too wide (σ² = 4): over-covers and the PIT histogram is ∩-shaped.
        let wide = [Double](repeating: 4, count: y.count)
        XCTAssertGreaterThan(GaussianScores.coverage(target: y, mean: zero, variance: wide, level: 0.9), 0.99)
        let wideP = GaussianScores.pitHistogram(target: y, mean: zero, variance: wide)
        XCTAssertLessThan(wideP[0], 0.02)
        XCTAssertGreaterThan(wideP[4], 0.15)
        // Exact boundaries: |y − μ| = 0.6745σ is inside the 50% interval, just beyond is outside.
        let q = NormalDistribution.quantile(0.75)
        XCTAssertEqual(GaussianScores.coverage(target: [q * 0.999, q * 1.001], mean: [0, 0], variance: [1, 1], level: 0.5), 0.5)
    }

    func testPointScores() {
        XCTAssertEqual(PointScores.rootMeanSquaredError(target: [1.0, 2, 3], mean: [1.0, 1, 1]), (5.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(PointScores.directionalAccuracy(target: [0.1, -0.2, 0.3, 0.0, 0.5], mean: [0.2, 0.1, 0.1, 0.1, 0.0]), 2.0 / 3)
        XCTAssertTrue(PointScores.directionalAccuracy(target: [0.1], mean: [0.0]).isNaN)
        XCTAssertEqual(PointScores.averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
        XCTAssertEqual(PointScores.averageRanks([3, 1, 2]), [3, 1, 2])
        // Date 0: perfect order (+1); date 1: reversed (−1) but the non-monotone values only matter by rank;
        // date 2: monotone up to one swap; date 3: two assets only (skipped); date 4: constant mean (skipped).
        let dates = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4]
        let mean: [Double] = [1, 2, 3, 1, 2, 30, 1, 2, 3, 4, 1, 2, 5, 5, 5]
        let target: [Double] = [0.1, 0.2, 0.9, 0.3, 0.2, 0.1, 0.1, 0.3, 0.2, 0.4, 1, 2, 1, 2, 3]
        let expected = (1.0 + -1.0 + 0.8) / 3
        XCTAssertEqual(PointScores.meanRankIC(target: target, mean: mean, dateIDs: dates), expected, accuracy: 1e-12)
    }

    func testScoreCardCollectsEveryMetric() {
        let card = ForecastScoreCard(target: [0.1, -0.1, Double.nan], mean: [0.05, 0.05, 0], variance: [0.01, 0.01, 0.01])
        XCTAssertEqual(card.count, 2)
        XCTAssertEqual(card.directionalAccuracy, 0.5)
        XCTAssertEqual(card.coverage90, 1)
        XCTAssertTrue(card.rankIC.isNaN)
        XCTAssertEqual(card.columns.map(\.name), ["nll", "crps", "coverage50", "coverage90", "directional_accuracy", "rank_ic", "rmse"])
    }

    func testDieboldMarianoHandValuesAndSize() {
        let hand = DieboldMariano.test(differential: [1, 2, 3, 4], lags: 0)
        XCTAssertEqual(hand.meanDifference, 2.5)
        XCTAssertEqual(hand.statistic, 2.5 / (1.25 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(hand.pValue, 2 * (1 - NormalDistribution.cdf(hand.statistic)), accuracy: 1e-15)
        // Lag 1: V = γ0 + 2·½·γ1 with γ1 = (−1.5·−0.5 + −0.5·0.5 + 0.5·1.5)/4 = 0.3125.
        XCTAssertEqual(DieboldMariano.test(differential: [1, 2, 3, 4], lags: 1).statistic,
                       2.5 / ((1.25 + 0.3125) / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(DieboldMariano.test(differential: [1, 1, 1], lags: 0).statistic.isNaN)
        // Equal forecasts of noise: the test rejects at 5% in about 5% of 400 seeded samples.
        var rejections = 0
        for seed in 0..<400 {
            let d = Self.normals(250, seed: UInt64(1000 + seed))
            if DieboldMariano.test(differential: d).pValue < 0.05 { rejections += 1 }
        }
        XCTAssertEqual(Double(rejections) / 400, 0.05, accuracy: 0.035)
        // A real difference (mean −0.3, sd 1, n 500) is detected.
        let better = Self.normals(500, seed: 99).map { $0 - 0.3 }
        let result = DieboldMariano.test(differential: better)
        XCTAssertLessThan(result.statistic, -3)
        XCTAssertLessThan(result.pValue, 0.01)
        // Pooling a panel: per-date means in date order.
        XCTAssertEqual(DieboldMariano.dailyMeanDifferential(lossA: [1, 2, 5, .nan], lossB: [0, 0, 1, 0], dateIDs: [1, 1, 0, 0]),
                       [4, 1.5])
    }

    /// statsmodels' HAC t-statistic of a regression on a constant (Bartlett kernel, no small-sample
    /// correction) is the DM statistic; scipy's spearmanr matches the per-date rank IC (ties included).
    func testDieboldMarianoAndRankICAgainstPython() throws {
        let noise = Self.normals(300, seed: 5)
        var d = [Double](repeating: 0, count: 300)
        for t in 0..<300 { d[t] = 0.1 + noise[t] + (t > 0 ? 0.6 * noise[t - 1] : 0) }  // MA(1)
        let target = Self.normals(12, seed: 11).map { ($0 * 4).rounded() }  // ties
        let mean = Self.normals(12, seed: 12)
        let script = """
        import sys, json
        import numpy as np, statsmodels.api as sm
        from scipy.stats import spearmanr
        data = json.loads(sys.argv[1])
        d = np.array(data['d'])
        out = {}
        for lags in (0, 3, 7):
            fit = sm.OLS(d, np.ones_like(d)).fit(cov_type='HAC', cov_kwds={'maxlags': lags, 'use_correction': False})
            out[str(lags)] = float(fit.tvalues[0])
        out['spearman'] = float(spearmanr(data['mean'], data['target']).correlation)
        print(json.dumps(out))
        """
        let input = try JSONSerialization.data(withJSONObject: ["d": d, "mean": mean, "target": target])
        let output = try PythonRunner.run(script, arguments: [String(decoding: input, as: UTF8.self)])
        let python = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
        for lags in [0, 3, 7] {
            XCTAssertEqual(DieboldMariano.test(differential: d, lags: lags).statistic, python[String(lags)]!, accuracy: 1e-9)
        }
        XCTAssertEqual(PointScores.meanRankIC(target: target, mean: mean, dateIDs: [Int](repeating: 0, count: 12)),
                       python["spearman"]!, accuracy: 1e-12)
    }
}

final class ForecastScoreCardHorizonTests: XCTestCase {
    func testPerHorizonSlicesColumns() {
        // (S = 3, H = 2): step 1 is forecast perfectly-ish, step 2 with the wrong sign.
        let target: [Double] = [0.1, 0.2, -0.1, -0.3, 0.2, 0.1]
        let mean: [Double] = [0.1, -0.2, -0.1, 0.3, 0.2, -0.1]
        let variance = [Double](repeating: 0.01, count: 6)
        let cards = ForecastScoreCard.perHorizon(target: target, mean: mean, variance: variance, horizon: 2)
        XCTAssertEqual(cards.count, 2)
        XCTAssertEqual(cards[0].directionalAccuracy, 1)
        XCTAssertEqual(cards[1].directionalAccuracy, 0)
        XCTAssertEqual(cards[0].rmse, 0)
        let direct = ForecastScoreCard(target: [0.2, -0.3, 0.1], mean: [-0.2, 0.3, -0.1], variance: [0.01, 0.01, 0.01])
        XCTAssertEqual(cards[1].nll, direct.nll)
        XCTAssertEqual(cards[1].pitHistogram, direct.pitHistogram)
    }
}
