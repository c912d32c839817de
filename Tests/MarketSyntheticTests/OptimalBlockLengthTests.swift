// Politis–White block length: fixed values (from arch 7.x) and a live cross-check against arch.
import XCTest
@testable import MarketSynthetic
import MarketSupport
import MarketTestSupport

final class OptimalBlockLengthTests: XCTestCase {
    func testFixedSequenceMatchesArch() {
        // arch.bootstrap.optimal_block_length(y) for y_i = ((37 i) mod 101)/101 − 0.5, i < 300.
        let y = (0..<300).map { Double(($0 * 37) % 101) / 101 - 0.5 }
        let b = OptimalBlockLength(y)
        XCTAssertEqual(b.stationary, 27.55991003497495, accuracy: 1e-9)
        XCTAssertEqual(b.circular, 31.54822154052432, accuracy: 1e-9)
    }

    func testPersistentSeriesHitsTheCap() {
        // A smooth periodic series: arch caps both at ceil(min(3√n, n/3)) = 68 for n = 500.
        let x = (0..<500).map { t -> Double in
            let td = Double(t)
            return sin(0.3 * td) + 0.5 * cos(1.7 * td + 0.2) + 0.01 * Double((t * 7919) % 13 - 6)
        }
        let b = OptimalBlockLength(x)
        XCTAssertEqual(b.stationary, 68)
        XCTAssertEqual(b.circular, 68)
    }

    func testWhiteNoiseGivesShortBlocks() {
        var rng = SeededRandom(seed: 3, salt: SeededRandom.syntheticSalt)
        let x = (0..<4000).map { _ in rng.gaussian() }
        XCTAssertLessThan(OptimalBlockLength(x).stationary, 5)
    }

    func testMatchesArchOnGARCHReturns() throws {
        let source = try BootstrapSource(series: GARCHReference.series(days: 3000, seed: 11))
        let absolute = source.logReturn.map(abs)
        let result = try PythonRunner.json("""
        import sys, json, numpy as np
        from arch.bootstrap import optimal_block_length
        d = json.load(sys.stdin)
        out = {}
        for k in ("r", "a"):
            v = optimal_block_length(np.array(d[k])).values[0]
            out[k] = [float(v[0]), float(v[1])]
        print(json.dumps(out))
        """, input: ["r": source.logReturn, "a": absolute])
        for (key, series) in [("r", source.logReturn), ("a", absolute)] {
            let expected = try XCTUnwrap(result[key] as? [Double])
            let b = OptimalBlockLength(series)
            XCTAssertEqual(b.stationary, expected[0], accuracy: 1e-8 * max(1, expected[0]), key)
            XCTAssertEqual(b.circular, expected[1], accuracy: 1e-8 * max(1, expected[1]), key)
        }
    }
}
