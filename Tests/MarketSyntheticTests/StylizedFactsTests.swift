// The 15 stylized facts against scipy/statsmodels/numpy references, plus fixed chi-square values.
import XCTest
import CBLAS
@testable import MarketSynthetic
import MarketSupport
import MarketTestSupport

final class StylizedFactsTests: XCTestCase {
    func testChiSquareSurvivalFixedValues() {
        // scipy.stats.chi2.sf
        XCTAssertEqual(ChiSquare.survival(10, degreesOfFreedom: 10), 0.44049328506521257, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.survival(3.5, degreesOfFreedom: 5), 0.6233876277495822, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.survival(40, degreesOfFreedom: 10), 1.694474393006737e-05, accuracy: 1e-15)
        XCTAssertEqual(ChiSquare.survival(0.1, degreesOfFreedom: 1), 0.7518296340458492, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.survival(200, degreesOfFreedom: 5), 2.8406228986415534e-41, accuracy: 1e-50)
        XCTAssertEqual(ChiSquare.survival(0, degreesOfFreedom: 5), 1)
    }

    func testArchFastPathMatchesLeastSquaresReference() {
        let r = try! BootstrapSource(series: GARCHReference.series(days: 1500, seed: 5)).logReturn
        let mean = r.reduce(0, +) / Double(r.count)
        let squared = r.map { ($0 - mean) * ($0 - mean) }
        let fast = squared.withUnsafeBufferPointer { StylizedFactsWorkspace.archLMPValue($0.baseAddress!, $0.count, lags: 5) }
        let reference = ArchLMReference.pValue(squared, lags: 5)
        XCTAssertEqual(fast, reference, accuracy: 1e-9 + 1e-6 * reference)
        XCTAssertLessThan(fast, 0.01, "GARCH returns must show ARCH effects")
    }

    func testGaussianNoiseHasNoStylizedFacts() {
        var rng = SeededRandom(seed: 9, salt: SeededRandom.syntheticSalt)
        let r = (0..<5000).map { _ in 0.01 * rng.gaussian() }
        let facts = StylizedFacts(returns: r)
        XCTAssertEqual(facts.volatility, 0.01, accuracy: 0.0005)
        XCTAssertEqual(facts.excessKurtosis, 0, accuracy: 0.25)
        XCTAssertEqual(facts.volatilityClustering, 0, accuracy: 0.05)
        XCTAssertEqual(facts.hurst, 0.55, accuracy: 0.08)   // R/S is biased upwards at small scales
        XCTAssertGreaterThan(facts.archLMP, 0.001)
        XCTAssertEqual(facts.tailFrequency, 0.0027, accuracy: 0.0025)
    }

    func testMatchesPythonReferences() throws {
        let r = try BootstrapSource(series: GARCHReference.series(days: 2500, seed: 21)).logReturn
        let facts = StylizedFacts(returns: r)
        let result = try PythonRunner.json("""
        import sys, json, warnings
        import numpy as np
        from scipy import stats
        from statsmodels.tsa.stattools import acf
        from statsmodels.stats.diagnostic import acorr_ljungbox, het_arch
        warnings.simplefilter("ignore")
        r = np.array(json.load(sys.stdin)["r"]); n = len(r); e = r - r.mean(); a = np.abs(r)
        out = {}
        out["volatility"] = float(r.std(ddof=1))
        out["skewness"] = float(stats.skew(r)); out["excess_kurtosis"] = float(stats.kurtosis(r))
        p = np.exp(np.cumsum(r)); peak = np.maximum.accumulate(np.concatenate([[1.0], p]))[1:]
        out["max_drawdown"] = float(max(0.0, np.max(1 - p / peak)))
        ac = acf(r, nlags=10, fft=False)
        out["acf_lag1"] = float(ac[1]); out["sum_abs_acf_1_10"] = float(np.abs(ac[1:]).sum())
        out["volatility_clustering"] = float(acf(r**2, nlags=1, fft=False)[1])
        sizes = []; rs = []
        s = 8
        while s * 4 <= n:
            vals = []
            for start in range(0, n - s + 1, s):
                c = r[start:start+s]; d = c - c.mean(); y = np.cumsum(d)
                R = max(y.max(), 0) - min(y.min(), 0); S = c.std()
                if S > 0: vals.append(R / S)
            sizes.append(np.log(s)); rs.append(np.log(np.mean(vals))); s *= 2
        out["hurst"] = float(np.polyfit(sizes, rs, 1)[0])
        out["ljung_box_p"] = float(acorr_ljungbox(r, lags=[10])["lb_pvalue"].iloc[0])
        out["arch_lm_p"] = float(het_arch(e, nlags=5)[1])
        g = np.where(r > 0, r, 0.0); l = np.where(r < 0, -r, 0.0)
        ag = g[:14].mean(); al = l[:14].mean(); vals = [100 * ag / (ag + al)]
        for t in range(14, n):
            ag = (13 * ag + g[t]) / 14; al = (13 * al + l[t]) / 14; vals.append(100 * ag / (ag + al))
        out["rsi_behaviour"] = float(np.std(vals))
        out["volatility_persistence"] = float(acf(a, nlags=5, fft=False)[5])
        out["leverage_effect"] = float(np.mean([np.corrcoef(r[:-k], a[k:])[0, 1] for k in range(1, 11)]))
        out["tail_frequency"] = float(np.mean(np.abs(e) > 3 * r.std(ddof=1)))
        out["abs_acf_lag20"] = float(acf(a, nlags=20, fft=False)[20])
        print(json.dumps(out))
        """, input: ["r": r])
        let ours = facts.dictionary
        for name in StylizedFacts.names {
            let expected = try XCTUnwrap(result[name] as? Double, name)
            let value = try XCTUnwrap(ours[name])
            XCTAssertEqual(value, expected, accuracy: 1e-9 + 1e-7 * abs(expected), name)
        }
    }
}

/// Naive reference for ARCH-LM: the full design matrix solved by LAPACKE `dgels` (QR least squares).
enum ArchLMReference {
    static func pValue(_ y: [Double], lags p: Int) -> Double {
        let rows = y.count - p, columns = p + 1
        var design = [Double](repeating: 0, count: rows * columns)   // (rows, p+1) column-major
        var target = [Double](repeating: 0, count: rows)
        for t in 0..<rows {
            design[t] = 1
            for j in 1...p { design[j * rows + t] = y[p + t - j] }
            target[t] = y[p + t]
        }
        var solution = target
        let info = design.withUnsafeMutableBufferPointer { a in
            solution.withUnsafeMutableBufferPointer { b in
                LAPACKE_dgels(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(rows), Int32(columns), 1,
                              a.baseAddress, Int32(rows), b.baseAddress, Int32(rows))
            }
        }
        precondition(info == 0)
        let mean = target.reduce(0, +) / Double(rows)
        var residual = 0.0, total = 0.0
        for t in 0..<rows {
            var fitted = solution[0]
            for j in 1...p { fitted += solution[j] * y[p + t - j] }
            residual += (target[t] - fitted) * (target[t] - fitted)
            total += (target[t] - mean) * (target[t] - mean)
        }
        return ChiSquare.survival(Double(rows) * (1 - residual / total), degreesOfFreedom: p)
    }
}

final class HurstReferenceTests: XCTestCase {
    /// Naive two-pass R/S (the definition in `StylizedFacts.hurst`), beside the prefix-sum kernel.
    private func naiveHurst(_ x: [Double]) -> Double {
        var sizes: [Double] = [], values: [Double] = []
        var size = 8
        while size * 4 <= x.count {
            var ratios: [Double] = []
            for start in stride(from: 0, through: x.count - size, by: size) {
                let chunk = x[start..<(start + size)]
                let mean = chunk.reduce(0, +) / Double(size)
                var y = 0.0, high = 0.0, low = 0.0, squares = 0.0
                for v in chunk { y += v - mean; high = max(high, y); low = min(low, y); squares += (v - mean) * (v - mean) }
                let s = (squares / Double(size)).squareRoot()
                if s > 0 { ratios.append((high - low) / s) }
            }
            sizes.append(log(Double(size))); values.append(log(ratios.reduce(0, +) / Double(ratios.count)))
            size *= 2
        }
        let mx = sizes.reduce(0, +) / Double(sizes.count), my = values.reduce(0, +) / Double(values.count)
        let sxy = zip(sizes, values).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = sizes.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }

    func testPrefixSumKernelMatchesNaive() throws {
        for (days, seed) in [(3001, UInt64(1)), (777, 2), (70, 3)] {
            let r = try BootstrapSource(series: GARCHReference.series(days: days, seed: seed)).logReturn
            XCTAssertEqual(StylizedFacts(returns: r).hurst, naiveHurst(r), accuracy: 1e-10, "n = \(r.count)")
        }
    }
}
