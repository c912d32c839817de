// Statistics: a hand-computed tiny curve, and a long curve against numpy/scipy (MARKETGPT_PYTHON; skipped when unset).
import Foundation
import XCTest
import MarketData
import MarketTestSupport
@testable import MarketBacktest
import MarketSupport

final class PerformanceStatisticsTests: XCTestCase {
    func testHandComputedCurve() {
        // Returns +10%, −10%, +10%, −20%, +25%: equity 100, 110, 99, 108.9, 87.12, 108.9.
        let equity = [100, 110, 99, 108.9, 87.12, 108.9]
        let dates = (0..<6).map { DayNumber(19_000 + $0) }
        let m = PerformanceStatistics.compute(equity: equity, dates: dates, barsPerYear: 252)
        let r = [0.1, -0.1, 0.1, -0.2, 0.25]
        let mean = r.reduce(0, +) / 5                                           // 0.03
        let std = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        XCTAssertEqual(m.totalReturn, 0.089, accuracy: 1e-12)
        XCTAssertEqual(m.sharpe, mean / std * 252.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(m.annualVolatility, std * 252.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(m.sortino, mean / ((0.01 + 0.04) / 5).squareRoot() * 252.0.squareRoot(), accuracy: 1e-9)
        // Peak 110 (bar 1) → trough 87.12 (bar 4): 1 − 87.12/110 = 0.208; under water bars 2…5 (108.9 < 110).
        XCTAssertEqual(m.maxDrawdown, 0.208, accuracy: 1e-12)
        XCTAssertEqual(m.maxDrawdownDurationBars, 4)
        XCTAssertEqual(m.maxDrawdownDurationDays, 4)
        XCTAssertEqual(m.cagr, pow(1.089, 252.0 / 5) - 1, accuracy: 1e-9)
        XCTAssertEqual(m.calmar, m.cagr / 0.208, accuracy: 1e-9)
        XCTAssertTrue(m.winRate.isNaN)
        XCTAssertEqual(m.numTrades, 0)
    }

    func testFlatCurveIsUndefinedNotInfinite() {
        let m = PerformanceStatistics.compute(equity: [5, 5, 5], dates: [0, 1, 2], barsPerYear: 252)
        XCTAssertEqual(m.totalReturn, 0)
        XCTAssertEqual(m.maxDrawdown, 0)
        XCTAssertTrue(m.sharpe.isNaN && m.sortino.isNaN && m.calmar.isNaN)
    }

    func testBarsPerYearFromCalendar() {
        let weekdays = (0..<2_000).map { DayNumber($0) }.filter { CivilDate.weekday($0) < 5 }
        XCTAssertEqual(PerformanceStatistics.barsPerYear(dates: weekdays), 261, accuracy: 1)
        XCTAssertEqual(PerformanceStatistics.barsPerYear(dates: (0..<1_000).map { DayNumber($0) }), 365.25, accuracy: 0.5)
        XCTAssertEqual(PerformanceStatistics.barsPerYear(dates: [0, 1, 2]), 252)
    }

    func testDeflatedSharpeFallsWithTrials() {
        let one = SharpeRatioInference.deflated(sharpe: 0.08, skewness: -0.3, kurtosis: 5, count: 1_000, trials: 1)
        let psr = SharpeRatioInference.probabilistic(sharpe: 0.08, skewness: -0.3, kurtosis: 5, count: 1_000)
        let many = SharpeRatioInference.deflated(sharpe: 0.08, skewness: -0.3, kurtosis: 5, count: 1_000, trials: 100)
        XCTAssertEqual(one, psr, accuracy: 1e-15)
        XCTAssertLessThan(many, psr)
        XCTAssertGreaterThan(psr, 0.9)
    }

    /// A seeded 750-bar random walk; numpy/scipy compute every figure independently from the same curve.
    func testAgainstNumpy() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var equity = [1_000.0]
        for _ in 0..<749 {
            let shock = (uniform() + uniform() + uniform() - 1.5) * 0.03 + (uniform() < 0.02 ? -0.06 : 0)
            equity.append(equity.last! * (1 + 0.0006 + shock))
        }
        let dates = (0..<750).map { DayNumber(18_000 + $0 * 7 / 5) }
        let m = PerformanceStatistics.compute(equity: equity, dates: dates, barsPerYear: 252, trials: 20)
        let script = """
        import json, sys, math
        import numpy as np
        from scipy import stats
        e = np.array(json.loads(sys.stdin.read()))
        r = e[1:] / e[:-1] - 1
        n = len(r); bpy = 252.0
        sr = r.mean() / r.std(ddof=1)
        skew = stats.skew(r, bias=True); kurt = stats.kurtosis(r, fisher=False, bias=True)
        var = (1 - skew * sr + (kurt - 1) / 4 * sr * sr) / (n - 1)
        g = 0.5772156649015329; N = 20
        sr0 = math.sqrt(var) * ((1 - g) * stats.norm.ppf(1 - 1 / N) + g * stats.norm.ppf(1 - 1 / (N * math.e)))
        peak = np.maximum.accumulate(e)
        years = n / bpy
        cagr = (e[-1] / e[0]) ** (1 / years) - 1
        mdd = float((1 - e / peak).max())
        print(json.dumps({
          "total_return": e[-1] / e[0] - 1, "cagr": cagr, "vol": r.std(ddof=1) * math.sqrt(bpy),
          "sharpe": sr * math.sqrt(bpy),
          "sortino": r.mean() / math.sqrt(np.mean(np.minimum(r, 0) ** 2)) * math.sqrt(bpy),
          "mdd": mdd, "calmar": cagr / mdd, "skew": skew, "kurt": kurt,
          "psr": stats.norm.cdf(sr / math.sqrt(var)), "dsr": stats.norm.cdf((sr - sr0) / math.sqrt(var))}))
        """
        let payload = "[" + equity.map { String(format: "%.17g", $0) }.joined(separator: ",") + "]"
        let data = Data(try PythonRunner.run(script, stdin: Data(payload.utf8)).utf8)
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Double])
        let pairs: [(String, Double)] = [
            ("total_return", m.totalReturn), ("cagr", m.cagr), ("vol", m.annualVolatility), ("sharpe", m.sharpe),
            ("sortino", m.sortino), ("mdd", m.maxDrawdown), ("calmar", m.calmar), ("skew", m.skewness),
            ("kurt", m.kurtosis), ("psr", m.probabilisticSharpe), ("dsr", m.deflatedSharpe),
        ]
        for (name, value) in pairs {
            let reference = try XCTUnwrap(expected[name], name)
            XCTAssertEqual(value, reference, accuracy: 1e-9 * max(1, abs(reference)), name)   // relative 1e-9
        }
        XCTAssertGreaterThan(m.probabilisticSharpe, 0.01)    // the curve is not degenerate
        XCTAssertLessThan(m.deflatedSharpe, m.probabilisticSharpe)
    }
}
