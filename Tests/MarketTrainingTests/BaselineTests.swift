// Baselines: RW/EWMA recursions, GARCH(1,1) recovery and multi-step formula, no look-ahead, Python `arch`.

import Foundation
import XCTest
@testable import MarketTraining
import MarketData
import MarketTestSupport

final class BaselineTests: XCTestCase {
    func testRollingVolatilityAndEWMARecursions() {
        let r = GARCH11(omega: 1e-4, alpha: 0, beta: 0).simulate(count: 60, seed: 3, burnIn: 0)
        let rw = RollingVolatilityBaseline.oneStepVariances(returns: r)
        XCTAssertTrue(rw[18].isNaN)
        let window = Array(r[21...40])
        let m = window.reduce(0, +) / 20
        XCTAssertEqual(rw[40], window.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 19, accuracy: 1e-18)

        let ewma = EWMABaseline.oneStepVariances(returns: r)
        XCTAssertTrue(ewma[18].isNaN)
        XCTAssertEqual(ewma[19], r[0..<20].map { $0 * $0 }.reduce(0, +) / 20, accuracy: 1e-18)
        XCTAssertEqual(ewma[20], 0.94 * ewma[19] + 0.06 * r[20] * r[20], accuracy: 1e-18)

        let flat = EWMABaseline.forecasts(returns: r, horizon: 5)
        XCTAssertEqual(flat[origin: 30, step: 1], ewma[30])
        XCTAssertEqual(flat[origin: 30, step: 5], ewma[30])
        XCTAssertEqual(flat.cumulative()[origin: 30, step: 5], 5 * ewma[30], accuracy: 1e-18)
    }

    func testGARCHMultiStepFormula() {
        let model = GARCH11(omega: 2e-6, alpha: 0.08, beta: 0.9)
        let r = model.simulate(count: 300, seed: 1)
        let sigma2 = model.conditionalVariances(returns: r)
        XCTAssertEqual(sigma2[0], model.omega + model.persistence * GARCH11.backcast(r), accuracy: 1e-18)
        XCTAssertEqual(sigma2[5], model.omega + 0.08 * r[4] * r[4] + 0.9 * sigma2[4], accuracy: 1e-18)
        let forecasts = model.forecasts(returns: r, horizon: 5)
        let longRun = model.unconditionalVariance
        for t in [0, 100, 299] {
            for h in 1...5 {
                let expected = longRun + pow(model.persistence, Double(h - 1)) * (sigma2[t + 1] - longRun)
                XCTAssertEqual(forecasts[origin: t, step: h], expected, accuracy: 1e-12 * longRun)
            }
        }
    }

    /// Parameters recovered from simulated data: n = 4000 daily returns, three seeds, true
    /// (ω, α, β) = (2e-6, 0.08, 0.90). Tolerances (≈ 3 standard errors at this n):
    /// |α̂ − α| ≤ 0.03, |β̂ − β| ≤ 0.05, |α̂+β̂ − 0.98| ≤ 0.015, |ω̂/ω − 1| ≤ 0.35 (ω and the long-run
    /// variance are the least identified: seed 11 gives σ̄² 32% too high with α+β = 0.988);
    /// and the fitted log-likelihood is at least the true parameters' (it is a maximum).
    func testGARCHRecoversSimulatedParameters() {
        let truth = GARCH11(omega: 2e-6, alpha: 0.08, beta: 0.90)
        for seed: UInt64 in [11, 22, 33] {
            let r = truth.simulate(count: 4000, seed: seed)
            let fit = GARCH11.fit(returns: r)
            let m = fit.model
            XCTAssertEqual(m.alpha, truth.alpha, accuracy: 0.03, "seed \(seed): \(m)")
            XCTAssertEqual(m.beta, truth.beta, accuracy: 0.05, "seed \(seed): \(m)")
            XCTAssertEqual(m.persistence, truth.persistence, accuracy: 0.015, "seed \(seed): \(m)")
            XCTAssertEqual(m.omega / truth.omega, 1, accuracy: 0.35, "seed \(seed): \(m)")
            XCTAssertGreaterThanOrEqual(fit.logLikelihood, truth.logLikelihood(returns: r, backcast: fit.backcast) - 1e-9)
            XCTAssertTrue(fit.converged)
            print("GARCH recovery seed \(seed): omega \(m.omega) alpha \(m.alpha) beta \(m.beta) ll \(fit.logLikelihood) evals \(fit.evaluations)")
        }
    }

    /// Canary: replacing every return after origin t₀ by wild values changes no forecast made at t ≤ t₀
    /// (for GARCH: t₀ ≥ trainingEnd − 1, since its parameters come from the training returns).
    func testNoLookAheadCanary() {
        let r = GARCH11(omega: 2e-6, alpha: 0.08, beta: 0.9).simulate(count: 600, seed: 4)
        let trainingEnd = 400
        for t0 in [trainingEnd - 1, 450, 598] {
            var poisoned = r
            for t in (t0 + 1)..<r.count { poisoned[t] = t % 2 == 0 ? 0.5 : .nan }
            for baseline in VarianceBaseline.allCases {
                let clean = baseline.forecasts(returns: r, trainingEnd: trainingEnd, horizon: 3)
                let dirty = baseline.forecasts(returns: poisoned, trainingEnd: trainingEnd, horizon: 3)
                let upTo = (t0 + 1) * 3
                XCTAssertEqual(Array(clean.values[0..<upTo]).map(\.bitPattern), Array(dirty.values[0..<upTo]).map(\.bitPattern),
                               "\(baseline) at t0 \(t0)")
                XCTAssertNotEqual(Array(clean.values[upTo...]).map(\.bitPattern), Array(dirty.values[upTo...]).map(\.bitPattern),
                                  "\(baseline): the canary must change later forecasts")
            }
        }
    }

    /// Cross-check with Python `arch` (arch_model(mean='Zero', vol='GARCH', dist='normal', rescale=False))
    /// on returns in percent: same log-likelihood at arch's parameters, and our fit at least as good.
    func testGARCHAgainstPythonArch() throws {
        let r = GARCH11(omega: 0.02, alpha: 0.07, beta: 0.91).simulate(count: 3000, seed: 8)
        let script = """
        import sys, json
        from arch import arch_model
        r = json.loads(sys.argv[1])
        res = arch_model(r, mean='Zero', vol='GARCH', p=1, q=1, dist='normal', rescale=False).fit(disp='off')
        p = res.params
        print(json.dumps({'omega': float(p['omega']), 'alpha': float(p['alpha[1]']), 'beta': float(p['beta[1]']),
                          'loglik': float(res.loglikelihood)}))
        """
        let input = String(decoding: try JSONSerialization.data(withJSONObject: r), as: UTF8.self)
        let output = try PythonRunner.run(script, arguments: [input])
        let arch = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
        let archModel = GARCH11(omega: arch["omega"]!, alpha: arch["alpha"]!, beta: arch["beta"]!)
        XCTAssertEqual(archModel.logLikelihood(returns: r), arch["loglik"]!, accuracy: 1e-6 * abs(arch["loglik"]!))
        let fit = GARCH11.fit(returns: r)
        XCTAssertGreaterThanOrEqual(fit.logLikelihood, arch["loglik"]! - 1e-3)
        XCTAssertEqual(fit.model.alpha, archModel.alpha, accuracy: 0.005)
        XCTAssertEqual(fit.model.beta, archModel.beta, accuracy: 0.005)
        XCTAssertEqual(fit.model.omega, archModel.omega, accuracy: 0.1 * archModel.omega)
        print("GARCH vs arch: ours \(fit.model) ll \(fit.logLikelihood); arch \(archModel) ll \(arch["loglik"]!)")
    }
}

final class BaselinePanelTests: XCTestCase {
    func testGathersEachAssetsForecastsAtTheTargetsOrigins() {
        let a = GARCH11(omega: 2e-6, alpha: 0.08, beta: 0.9).simulate(count: 400, seed: 1)
        let b = GARCH11(omega: 5e-6, alpha: 0.05, beta: 0.9).simulate(count: 300, seed: 2)
        let panel = BaselinePanel(returns: [a, b], trainingEnd: [300, 200], horizon: 2)
        let garchB = GARCH11.fit(returns: Array(b[0..<200]))
        let direct = garchB.model.forecasts(returns: b, horizon: 2, backcast: garchB.backcast)
        let gathered = panel.variances(.garch, assets: [1, 0, 1], origins: [250, 10, 400])
        XCTAssertEqual(gathered[0], direct[origin: 250, step: 1])
        XCTAssertEqual(gathered[1], direct[origin: 250, step: 2])
        XCTAssertEqual(gathered[2], VarianceBaseline.garch.forecasts(returns: a, trainingEnd: 300, horizon: 2)[origin: 10, step: 1])
        XCTAssertTrue(gathered[4].isNaN && gathered[5].isNaN)  // origin beyond asset b's series
        let rw = panel.variances(.randomWalk, assets: [0], origins: [5])
        XCTAssertTrue(rw[0].isNaN)  // fewer than 20 returns of history
    }
}

/// GARCH(1,1) on real daily returns (../shared/data/real) against Python `arch`: our maximum is at
/// least as high (to 1e-3) and α, β agree to 0.01.
final class GARCHRealDataTests: XCTestCase {
    func testRealAssetsAgainstArch() throws {
        let real = TrainingConfigTests.packageRoot.appendingPathComponent("../shared/data/real").standardizedFileURL
        guard FileManager.default.fileExists(atPath: real.path) else { throw XCTSkip("no shared real data at \(real.path)") }
        var series: [[Double]] = []
        let files = ["us_stocks/AAPL.csv", "crypto/BTC-USD.csv", "forex/EURUSD.csv"]
        for file in files {
            let close = try OHLCVCSV.load(real.appendingPathComponent(file)).series.close
            let returns = zip(close.dropFirst(), close).map { 100 * log($0 / $1) }
            series.append(Array(returns[0..<(returns.count * 9 / 10)]))
        }
        let script = """
        import sys, json
        from arch import arch_model
        out = []
        for r in json.load(open(sys.argv[1])):
            res = arch_model(r, mean='Zero', vol='GARCH', p=1, q=1, dist='normal', rescale=False).fit(disp='off')
            p = res.params
            out.append([float(p['omega']), float(p['alpha[1]']), float(p['beta[1]']), float(res.loglikelihood)])
        print(json.dumps(out))
        """
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("garch-real-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: series).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let output = try PythonRunner.run(script, arguments: [input.path])
        let arch = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Double]])
        for (index, r) in series.enumerated() {
            let fit = GARCH11.fit(returns: r)
            let a = arch[index]
            print("GARCH real \(files[index]) n=\(r.count): ours ω=\(fit.model.omega) α=\(fit.model.alpha) β=\(fit.model.beta) ll=\(fit.logLikelihood); arch ω=\(a[0]) α=\(a[1]) β=\(a[2]) ll=\(a[3])")
            XCTAssertGreaterThanOrEqual(fit.logLikelihood, a[3] - 1e-3, files[index])
            XCTAssertEqual(fit.model.alpha, a[1], accuracy: 0.01, files[index])
            XCTAssertEqual(fit.model.beta, a[2], accuracy: 0.01, files[index])
        }
    }

    /// GARCH-t on the forex files that broke the forex baseline (issue 13: GARCH-t −3.09 vs EWMA −4.04): AUDUSD, whose
    /// Gaussian fit has β = 0 (a single start from it stalled 92 nats below `arch`'s optimum), and USDCNY, whose
    /// 2001–2005 peg (runs of zero returns) made the likelihood unbounded (ω → 0, α → 1, log-likelihood −∞).
    /// Ours must reach `arch`'s likelihood on AUDUSD with its parameters, and stay finite and stationary-or-integrated
    /// with ω at or above the floor on USDCNY.
    func testStudentTFitOnForexAgainstArch() throws {
        let real = TrainingConfigTests.packageRoot.appendingPathComponent("../shared/data/real").standardizedFileURL
        guard FileManager.default.fileExists(atPath: real.path) else { throw XCTSkip("no shared real data at \(real.path)") }
        func returns(_ file: String) throws -> [Double] {
            let close = try OHLCVCSV.load(real.appendingPathComponent(file)).series.close
            let r = zip(close.dropFirst(), close).map { 100 * log($0 / $1) }
            return Array(r[0..<(r.count * 9 / 10)])
        }
        let audusd = try returns("forex/AUDUSD.csv"), usdcny = try returns("forex/USDCNY.csv")
        let script = """
        import sys, json
        from arch import arch_model
        r = json.load(open(sys.argv[1]))
        res = arch_model(r, mean='Zero', vol='GARCH', p=1, q=1, dist='t', rescale=False).fit(disp='off')
        p = res.params
        print(json.dumps([float(p['omega']), float(p['alpha[1]']), float(p['beta[1]']), float(p['nu']), float(res.loglikelihood)]))
        """
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("garch-t-fx-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: audusd).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let a = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try PythonRunner.run(script, arguments: [input.path]).utf8)) as? [Double])
        let fit = GARCH11.fitStudentT(returns: audusd)
        print("GARCH-t AUDUSD: ours \(fit.model) ν \(fit.degreesOfFreedom) ll \(fit.logLikelihood); arch ω=\(a[0]) α=\(a[1]) β=\(a[2]) ν=\(a[3]) ll=\(a[4])")
        XCTAssertGreaterThanOrEqual(fit.logLikelihood, a[4] - 1e-2)
        XCTAssertEqual(fit.model.beta, a[2], accuracy: 0.02)
        XCTAssertEqual(fit.degreesOfFreedom, a[3], accuracy: 0.1 * a[3])

        let peg = GARCH11.fitStudentT(returns: usdcny)
        let meanSquare = usdcny.reduce(0) { $0 + $1 * $1 } / Double(usdcny.count)
        print("GARCH-t USDCNY: \(peg.model) ν \(peg.degreesOfFreedom) ll \(peg.logLikelihood)")
        XCTAssertTrue(peg.logLikelihood.isFinite)
        XCTAssertGreaterThanOrEqual(peg.model.omega, GARCH11.studentTOmegaFloor * meanSquare * (1 - 1e-9))
        XCTAssertLessThanOrEqual(peg.model.persistence, 1)
        XCTAssertGreaterThan(peg.degreesOfFreedom, 2.5)
    }
}
