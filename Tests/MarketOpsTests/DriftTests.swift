// Drift gate: KS statistic and p-value against scipy.stats.ks_2samp, Benjamini–Hochberg, the reference, and the gate.
import Foundation
import MarketData
@testable import MarketOps
import XCTest
import MarketTestSupport
import MarketSupport

/// Test data from MarketSupport's SplitMix64: a Box–Muller normal from two uniforms.
extension SplitMix64 {
    mutating func normal() -> Double { (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform()) }
}

final class DriftTests: XCTestCase {
    func sample(_ n: Int, seed: UInt64, shift: Double = 0, scale: Double = 1, rounding: Double? = nil) -> [Float] {
        var random = SplitMix64(state: seed)
        return (0..<n).map { _ in
            var v = shift + scale * random.normal()
            if let rounding { v = (v / rounding).rounded() * rounding }
            return Float(v)
        }
    }

    func testStatisticByHand() {
        // x = {1,2,3}, y = {2.5, 4}: F_x − F_y reaches 2/3 at 2 (x: 2/3, y: 0).
        XCTAssertEqual(KolmogorovSmirnov.statistic(sorted: [1, 2, 3], [2.5, 4]), 2.0 / 3, accuracy: 1e-12)
        // Ties step past equal values together: identical samples give D = 0 and p = 1.
        let r = KolmogorovSmirnov.test([1, 1, 2, 2], [1, 2, 1, 2])
        XCTAssertEqual(r.statistic, 0)
        XCTAssertEqual(r.pValue, 1, accuracy: 1e-12)
        // Completely separated samples of 5 and 5: p = 2 / C(10, 5) = 2/252.
        XCTAssertEqual(KolmogorovSmirnov.test([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue, 2.0 / 252, accuracy: 1e-12)
    }

    func testBenjaminiHochbergByHand() {
        let q = BenjaminiHochberg.adjust([0.01, 0.04, 0.03, 0.005])
        for (a, b) in zip(q, [0.02, 0.04, 0.04, 0.02]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(BenjaminiHochberg.adjust([0.9, 0.8]), [0.9, 0.9])
    }

    /// D and p against scipy.stats.ks_2samp (default method: exact up to 10,000 per sample, else
    /// asymptotic), both to 1e-9 (+1e-7 relative), and the BH q-values against scipy.stats.false_discovery_control.
    func testAgainstScipy() throws {
        let cases: [([Float], [Float])] = [
            (sample(40, seed: 1), sample(55, seed: 2, shift: 0.3)),
            (sample(512, seed: 3), sample(3000, seed: 4, shift: 0.05, scale: 1.1)),
            (sample(300, seed: 5, rounding: 0.25), sample(700, seed: 6, rounding: 0.25)),     // ties
            (sample(512, seed: 7), sample(12_000, seed: 8, scale: 1.08)),                     // asymptotic branch
            (sample(200, seed: 9), sample(200, seed: 10)),
            (sample(600, seed: 11), sample(15_000, seed: 12)),                                // asymptotic, small D
            (sample(60, seed: 13), sample(11_000, seed: 14, shift: 0.2)),                     // asymptotic, N ≤ 140
            (sample(3_000, seed: 15), sample(20_000, seed: 16, shift: 0.1)),                  // asymptotic, large N
        ]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var ours: [KolmogorovSmirnov.Result] = []
        for (k, (x, y)) in cases.enumerated() {
            try x.map { String($0) }.joined(separator: "\n").write(to: folder.appendingPathComponent("x\(k).txt"), atomically: true, encoding: .utf8)
            try y.map { String($0) }.joined(separator: "\n").write(to: folder.appendingPathComponent("y\(k).txt"), atomically: true, encoding: .utf8)
            ours.append(KolmogorovSmirnov.test(x, y))
        }
        let script = """
            import sys, numpy as np
            from scipy import stats
            folder, count = sys.argv[1], int(sys.argv[2])
            ps = []
            for k in range(count):
                x = np.loadtxt(f"{folder}/x{k}.txt", dtype=np.float32).astype(np.float64)
                y = np.loadtxt(f"{folder}/y{k}.txt", dtype=np.float32).astype(np.float64)
                r = stats.ks_2samp(x, y)
                ps.append(r.pvalue)
                print(repr(float(r.statistic)), repr(float(r.pvalue)))
            print(" ".join(repr(float(q)) for q in stats.false_discovery_control(ps)))
            """
        let lines = try PythonRunner.run(script, arguments: [folder.path, String(cases.count)]).split(separator: "\n")
        XCTAssertEqual(lines.count, cases.count + 1)
        for (k, line) in lines.prefix(cases.count).enumerated() {
            let parts = line.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(ours[k].statistic, parts[0], accuracy: 1e-9, "case \(k) D")
            XCTAssertEqual(ours[k].pValue, parts[1], accuracy: 1e-9 + 1e-7 * parts[1], "case \(k) \(ours[k].exact ? "exact" : "asymptotic") p")
        }
        XCTAssertEqual(ours.map(\.exact), [true, true, true, false, true, false, false, false])
        let q = BenjaminiHochberg.adjust(ours.map(\.pValue))
        let scipyQ = lines[cases.count].split(separator: " ").compactMap { Double($0) }
        for (a, b) in zip(q, scipyQ) { XCTAssertEqual(a, b, accuracy: 1e-9 + 1e-7 * b) }
    }

    /// P(D_n ≥ x) against scipy.stats.kstwo.sf on a grid that reaches every branch of scipy's `_kolmogn`
    /// (Ruben–Gambino ends, 2·smirnov, Durbin matrix, Pomeranz, Pelz–Good; n from 1 to 120,000): within
    /// 1e-9 (+1e-7 relative); measured worst 1.3e-12.
    func testKolmogorovDistributionAgainstScipyKstwo() throws {
        let ns = [1, 2, 3, 5, 10, 30, 60, 100, 140, 141, 200, 500, 2_000, 5_000, 20_000, 100_000, 120_000]
        let xs: [Double] = [0.0005, 0.001, 0.003, 0.005, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.13, 0.2, 0.25,
                            0.3, 0.4, 0.49, 0.5, 0.6, 0.8, 0.95, 0.999]
        let script = """
            import sys
            from scipy import stats
            ns = [int(v) for v in sys.argv[1].split(",")]
            xs = [float(v) for v in sys.argv[2].split(",")]
            for n in ns:
                print(" ".join(repr(float(stats.kstwo.sf(x, n))) for x in xs))
            """
        let lines = try PythonRunner.run(script, arguments: [ns.map(String.init).joined(separator: ","),
                                                             xs.map { "\($0)" }.joined(separator: ",")]).split(separator: "\n")
        XCTAssertEqual(lines.count, ns.count)
        for (row, n) in zip(lines, ns) {
            let expected = row.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(expected.count, xs.count)
            for (x, p) in zip(xs, expected) {
                XCTAssertEqual(KolmogorovDistribution.survival(x, n: n), p, accuracy: 1e-9 + 1e-7 * p, "n \(n), x \(x)")
            }
        }
    }

    func testReferenceRoundTripAndSortedSample() throws {
        XCTAssertEqual(FeatureReference.sortedSample([3, 1, 2], quantiles: 8), [1, 2, 3])
        let many = (0..<1000).map { Float($0) }
        let q = FeatureReference.sortedSample(many.shuffled(), quantiles: 10)
        XCTAssertEqual(q, [50, 150, 250, 350, 450, 550, 650, 750, 850, 950])
        let reference = FeatureReference(quantiles: 4, features: ["log_return", "overnight_gap"], categories: [
            .init(name: "a", count: [10, 0], samples: [[1, 2, 3, 4], []]), .init(name: "b", count: [4, 4], samples: [[0.5, 1, 1.5, 2], [-1, 0, 1, 2]])])
        let decoded = try FeatureReference(jsonString: try reference.jsonString())
        XCTAssertEqual(decoded, reference)
    }

    /// A universe of CSVs with i.i.d. returns; the last `tail` bars have volatility × `tailScale`.
    static func writeUniverse(_ folder: URL, assets: Int, bars: Int, tail: Int, tailScale: Double, seed: UInt64) throws -> Universe {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data/us_stocks"), withIntermediateDirectories: true)
        var random = SplitMix64(state: seed)
        let start = CivilDate.parseISO("2015-01-05")!
        var yaml = "name: t\ncategories:\n  - name: us_stocks\n    batch_weight: 1\n    trading_days_per_year: 365\n    history_years: 1\n    assets:\n"
        for a in 0..<assets {
            let ticker = "T\(a)"
            yaml += "      - {ticker: \"\(ticker)\", name: \"\(ticker)\", group: \"g\"}\n"
            var csv = "Date,Open,High,Low,Close,Volume\n"
            var close = 100.0
            for t in 0..<bars {
                let sigma = 0.01 * (t >= bars - tail ? tailScale : 1)
                let open = close * exp(sigma * 0.3 * random.normal())
                close = open * exp(sigma * random.normal())
                let high = max(open, close) * exp(abs(sigma * 0.5 * random.normal()))
                let low = min(open, close) * exp(-abs(sigma * 0.5 * random.normal()))
                csv += "\(CivilDate.isoString(start + DayNumber(t))),\(open),\(high),\(low),\(close),\(1000 + Int(random.uniform() * 100))\n"
            }
            try csv.write(to: folder.appendingPathComponent("data/us_stocks/\(ticker).csv"), atomically: true, encoding: .utf8)
        }
        try yaml.write(to: folder.appendingPathComponent("u.yaml"), atomically: true, encoding: .utf8)
        return try Universe.load(folder.appendingPathComponent("u.yaml"))
    }

    func testGateFlagsAVolatilityShiftAndNotTheSameProcess() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (scale, expectDrift) in [(1.0, false), (3.0, true)] {
            let universe = try Self.writeUniverse(folder, assets: 4, bars: 800, tail: 60, tailScale: scale, seed: 11)
            let loaded = UniverseLoader.load(universe, dataDirectory: folder.appendingPathComponent("data"))
            let store = FeatureStore(loaded: loaded)
            let reference = FeatureReference.fitted(store, ranges: store.assets.map { _ in 0..<600 }, categoryNames: ["us_stocks"])
            XCTAssertEqual(reference.categories[0].count[0], 4 * 600)
            let date = loaded.assets[0].real!.dates.last!
            let report = DriftGate.run(reference: reference, loaded: loaded, date: date, options: DriftOptions(window: 60, level: 0.05))
            XCTAssertEqual(report.tests.count, 6)
            XCTAssertEqual(report.tests[0].nRecent, 4 * 60)
            XCTAssertEqual(report.tests[5].feature, "realized_vol_20")
            XCTAssertEqual(report.tests[5].nRecent, 4 * 3)   // thinned to non-overlapping 20-bar blocks
            XCTAssertEqual(report.drift, expectDrift, report.table())
            if expectDrift {
                XCTAssertTrue(report.drifted.contains("us_stocks/log_return"), report.table())
                XCTAssertTrue(report.drifted.contains("us_stocks/realized_vol_20"), report.table())
                XCTAssertTrue(DriftChart.svg(report).contains("DRIFT in"))
            }
            // No look-ahead: bars after the date never enter the recent sample.
            let earlier = DriftGate.run(reference: reference, loaded: loaded, date: date - 100, options: DriftOptions(window: 60, level: 0.05))
            XCTAssertFalse(earlier.drift, earlier.table())
        }
    }
}
