// Post-hoc recalibration: the quantile-mapped law against scipy, the held-out choice between variance scale and
// quantile map, and the canary (bars from the test start on cannot change the calibration fitted on validation).
import Foundation
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketTraining
import MarketTestSupport
import MarketSupport

final class RecalibrationTests: XCTestCase {
    static let map = PITMap(knots: [0, 0.03, 0.2, 0.5, 0.85, 0.97, 1], values: [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1])!

    func testPITMapInvertsAndTheFittedMapMakesTheSamplePITUniform() throws {
        let map = Self.map
        for u in stride(from: 0.0, through: 1.0, by: 0.037) {
            XCTAssertEqual(map.inverse(map.map(u)), u, accuracy: 1e-12)
        }
        XCTAssertEqual(map.map(0.2), 0.25, accuracy: 1e-15)
        XCTAssertEqual(map.slope(0.1), 0.2 / 0.17, accuracy: 1e-12)
        XCTAssertNil(PITMap(knots: [0, 0.5, 0.4, 1], values: [0, 0.2, 0.6, 1]), "a map must increase")
        // Hump-shaped PIT (too wide a law): the fitted map sends the sample's 5/25/75/95 % points to those levels.
        var rng = PairedNormalRandom(seed: 3, stream: 0)
        let pit = (0..<5000).map { _ in 0.5 + 0.25 * (rng.uniform() + rng.uniform() - 1) }
        let fitted = try XCTUnwrap(PITMap.fitted(pit: pit))
        let mapped = pit.map(fitted.map)
        XCTAssertEqual(Double(mapped.filter { abs($0 - 0.5) <= 0.25 }.count) / 5000, 0.5, accuracy: 0.002)
        XCTAssertEqual(Double(mapped.filter { abs($0 - 0.5) <= 0.45 }.count) / 5000, 0.9, accuracy: 0.002)
        let decoded = try JSONDecoder().decode(PITMap.self, from: JSONEncoder().encode(fitted))
        XCTAssertEqual(decoded, fitted)
        XCTAssertThrowsError(try JSONDecoder().decode(PITMap.self, from: Data(#"{"knots":[0,1],"values":[0,0.5]}"#.utf8)))
    }

    /// scipy: G(y) = g(F(y)) with F a t₅ (one member, and a 3-member mixture) — CDF, log density, quantile by
    /// brentq, CRPS by quadrature of ∫ (G(x) − 1{x ≥ y})² dx.
    func testQuantileMappedLawAgainstScipy() throws {
        let map = Self.map
        let ys = [-0.05, -0.012, 0.0, 0.004, 0.03]
        let single = PredictiveLaw(family: .studentT(degreesOfFreedom: 5), locations: [0.001], scales: [0.012], pitMap: map)
        let mixture = PredictiveLaw(family: .studentT(degreesOfFreedom: 5), locations: [0.001, -0.004, 0.006], scales: [0.01, 0.02, 0.015], pitMap: map)
        let gaussian = PredictiveLaw(family: .gaussian, locations: [0.002], scales: [0.01], pitMap: map)
        let script = """
        import sys, json, numpy as np
        from scipy import stats, integrate, optimize
        inp = json.load(sys.stdin)
        knots, values = np.array(inp['knots']), np.array(inp['values'])
        out = {}
        for name, law in inp['laws'].items():
            loc, sc, nu = np.array(law['loc']), np.array(law['scale']), law['nu']
            base = (lambda x: stats.norm.cdf((x - loc) / sc)) if nu is None else (lambda x: stats.t.cdf((x - loc) / sc, nu))
            dens = (lambda x: stats.norm.pdf((x - loc) / sc) / sc) if nu is None else (lambda x: stats.t.pdf((x - loc) / sc, nu) / sc)
            F = lambda x: float(np.mean(base(x)))
            G = lambda x: float(np.interp(F(x), knots, values))
            def pdf(x):
                u = F(x); j = min(max(np.searchsorted(knots, u, side='right') - 1, 0), len(knots) - 2)
                return (values[j + 1] - values[j]) / (knots[j + 1] - knots[j]) * float(np.mean(dens(x)))
            rows = []
            for y in inp['ys']:
                a = integrate.quad(lambda x: G(x)**2, -np.inf, y, limit=500, epsabs=1e-14)[0]
                b = integrate.quad(lambda x: (1 - G(x))**2, y, np.inf, limit=500, epsabs=1e-14)[0]
                rows.append([G(y), float(np.log(pdf(y))), a + b])
            qs = [optimize.brentq(lambda x: G(x) - p, -2, 2, xtol=1e-15) for p in [0.05, 0.3, 0.9]]
            out[name] = {'rows': rows, 'q': qs}
        print(json.dumps(out))
        """
        func law(_ l: PredictiveLaw) -> [String: Any] {
            ["loc": l.locations, "scale": l.scales, "nu": l.family.degreesOfFreedom.isFinite ? l.family.degreesOfFreedom as Any : NSNull()]
        }
        let reference = try PythonRunner.json(script, input: ["knots": map.knots, "values": map.values, "ys": ys,
                                                              "laws": ["single": law(single), "mixture": law(mixture), "gaussian": law(gaussian)]])
        for (name, l) in [("single", single), ("mixture", mixture), ("gaussian", gaussian)] {
            let entry = try XCTUnwrap(reference[name] as? [String: Any])
            let rows = try XCTUnwrap(entry["rows"] as? [[Double]]), qs = try XCTUnwrap(entry["q"] as? [Double])
            for (y, row) in zip(ys, rows) {
                XCTAssertEqual(l.cdf(y), row[0], accuracy: 1e-12, "\(name) cdf \(y)")
                XCTAssertEqual(l.logDensity(y), row[1], accuracy: 1e-9, "\(name) log density \(y)")
                // One member: exact partial moments (½E|Z − Z′| from 16,384 quantiles); a mixture: its quantile sample.
                XCTAssertEqual(l.crps(y), row[2], accuracy: (name == "mixture" ? 1e-2 : 2e-4) * row[2], "\(name) CRPS \(y)")
            }
            for (p, q) in zip([0.05, 0.3, 0.9], qs) { XCTAssertEqual(l.quantile(p), q, accuracy: 1e-9, "\(name) quantile \(p)") }
            XCTAssertTrue(l.covers(l.quantile(0.3), level: 0.5) && !l.covers(l.quantile(0.2), level: 0.5))
        }
        // Without a map the law is unchanged; `scaled` keeps the map; a one-step sum keeps it.
        XCTAssertEqual(single.mapped(by: nil).crps(0.01), PredictiveLaw(family: single.family, locations: single.locations, scales: single.scales).crps(0.01))
        XCTAssertEqual(single.scaled(by: 2).pitMap, map)
        XCTAssertEqual(PredictiveLaw.sum([single]), single)
    }

    /// Rows whose model is N(0, 1) per target while the truth is t₃ (scale 1): hump-shaped PIT and too-thin tails.
    static func rows(count: Int, seed: UInt64, firstDay: DayNumber = 18_000) -> ForecastRows {
        var rng = PairedNormalRandom(seed: seed, stream: 0)
        var rows = ForecastRows(horizon: 1)
        for s in 0..<count {
            rows.assets.append(0); rows.origins.append(s); rows.days.append(firstDay + DayNumber(s / 4)); rows.categories.append(0)
            // t₃ = Z / sqrt(χ²₃ / 3)
            let z = rng.normal(), chi = (0..<3).reduce(0.0) { acc, _ in let g = rng.normal(); return acc + g * g }
            rows.targets.append(z / (chi / 3).squareRoot())
            rows.model.append(PredictiveLaw.gaussian(mean: 0, variance: 1))
        }
        return rows
    }

    func testTheQuantileMapWinsOnHeldOutRowsWhenTheShapeIsWrongAndIsCalibratedOnFreshData() {
        let fit = PredictiveCalibration.fit(Self.rows(count: 8000, seed: 1), categoryNames: ["cat0"], fittedOn: "test rows")
        XCTAssertEqual(fit.methods?["cat0"], PredictiveCalibration.quantileMapMethod)
        let comparison = try! XCTUnwrap(fit.selection?["cat0"])
        XCTAssertLessThan(comparison.quantileMap.nll, comparison.varianceScale.nll)
        XCTAssertEqual(comparison.quantileMap.targets, 8000)
        let fresh = Self.rows(count: 20000, seed: 2)
        let calibrated = ForecastEvaluation(fit.applied(to: fresh, categoryNames: ["cat0"])).scores["model"]!
        let scaled = ForecastEvaluation(fit.forcing(.varianceScale).applied(to: fresh, categoryNames: ["cat0"])).scores["model"]!
        let raw = ForecastEvaluation(fresh).scores["model"]!
        XCTAssertEqual(calibrated.coverage50, 0.5, accuracy: 0.015)
        XCTAssertEqual(calibrated.coverage90, 0.9, accuracy: 0.015)
        XCTAssertGreaterThan(abs(raw.coverage50 - 0.5), 0.03, "the raw Gaussian is miscalibrated (the test can fail)")
        XCTAssertLessThan(calibrated.nll, scaled.nll)
        XCTAssertLessThan(calibrated.crps, raw.crps * 1.01)
        // Forced methods and an unfitted category: variance scale ⇒ no map; both apply the scale (t₃ is wider: c > 1).
        XCTAssertNil(fit.forcing(.varianceScale).map(category: "cat0", step: 0))
        XCTAssertNotNil(fit.map(category: "cat0", step: 0))
        XCTAssertGreaterThan(fit.factor(category: "cat0", step: 0), 1.2)
        XCTAssertEqual(fit.factor(category: "other", step: 0), 1)
        let json = try! fit.jsonString()
        XCTAssertEqual(try PredictiveCalibration.read([PredictiveCalibration.metadataKey: json], file: "x"), fit)
    }

    /// A 10-step pre-training on `CategoryCutTests.store()` (two categories with their own cuts) under `root`.
    static func pretrained(_ root: URL) throws -> (FeatureStore, EmbeddingIDTable, TrainingRunConfig, TrainingCheckpoint) {
        let store = CategoryCutTests.store(), table = PretrainingFixture.idTable(assets: 6, categories: 2)
        var config = PretrainingFixture.config(totalSteps: 10)
        config.training.evalEvery = 1000
        let files = TrainingCheckpoint(directory: root.appendingPathComponent("checkpoints"))
        _ = try Pretrainer.run(store: store, idTable: table, options: PretrainingOptions(
            config: config, stopStep: nil, checkpointDirectory: files.weightsURL.deletingLastPathComponent(),
            runDirectory: root.appendingPathComponent("runs"), resume: false, isTerminal: false, output: { _ in }))
        return (store, table, config, files)
    }

    /// Canary: every bar from each category's test start on poisoned → the calibration fitted on the validation
    /// period is the same bytes; poisoning from the validation start changes it (the test can fail).
    func testPoisoningBarsAfterTheValidationPeriodLeavesTheFittedCalibrationByteIdentical() throws {
        let root = try PretrainingFixture.temporaryDirectory("calibration-canary")
        defer { try? FileManager.default.removeItem(at: root) }
        let (store, table, _, files) = try Self.pretrained(root)
        let loaded = try TrainedModel.load(files.weightsURL)
        let cuts = CheckpointCuts(metadata: loaded.checkpoint.metadata, categories: table.categories)
        func poisoned(from start: [String: DayNumber]) -> FeatureStore {
            var copy = store
            for i in copy.assets.indices {
                let day = start[table.categories[copy.assets[i].categoryID]]!
                for bar in copy.assets[i].firstIndex(onOrAfter: day)..<copy.assets[i].count {
                    copy.assets[i].logReturns[bar] = 0.5
                    for k in 0..<MarketFeatures.count { copy.assets[i].features[bar * MarketFeatures.count + k] = 50 }
                }
            }
            return copy
        }
        for method in CalibrationMethod.allCases {
            func fit(_ s: FeatureStore) throws -> String {
                try ExperimentRunner.validationCalibration(loaded, store: s, idTable: table, names: table.categories, method: method,
                                                           minimumTargets: 40).jsonString()
            }
            let clean = try fit(store)
            XCTAssertEqual(try fit(poisoned(from: cuts.testStart)), clean, "\(method): bars after the validation period changed the calibration")
            XCTAssertNotEqual(try fit(poisoned(from: cuts.validationStart)), clean, "\(method): the canary cannot fail")
        }
        let fitted = ExperimentRunner.validationCalibration(loaded, store: store, idTable: table, names: table.categories, method: .selected,
                                                            minimumTargets: 40)
        XCTAssertEqual(Set(fitted.factors.keys), Set(table.categories))
        XCTAssertNotNil(fitted.maps?["cat0"]?.first ?? nil, "a map was fitted on the validation rows")
    }
}
