// PredictiveLaw / StudentTDistribution / LawScores: the law's own scores, cross-checked with scipy; GARCH-t with Python `arch`.
import Foundation
import XCTest
import MarketData
import MarketTensor
@testable import MarketTraining
import MarketTestSupport
import MarketSupport

final class PredictiveLawTests: XCTestCase {
    /// Quantile inverts the CDF, the density integrates to the CDF, and a huge ν is the Gaussian (no Python).
    func testStudentTInternalConsistency() {
        for nu in [1.5, 3.0, 5.0, 30.0] {
            for p in [1e-6, 0.01, 0.25, 0.5, 0.8, 0.975, 1 - 1e-7] {
                let z = StudentTDistribution.quantile(p, degreesOfFreedom: nu)
                XCTAssertEqual(StudentTDistribution.cdf(z, degreesOfFreedom: nu), p, accuracy: 1e-12 + 1e-9 * p, "ν \(nu) p \(p)")
            }
            // Trapezoid ∫_{-1}^{2} f = F(2) − F(−1).
            var integral = 0.0
            let n = 20000, a = -1.0, b = 2.0
            for i in 0...n {
                let x = a + (b - a) * Double(i) / Double(n)
                integral += (i == 0 || i == n ? 0.5 : 1) * exp(StudentTDistribution.logDensity(x, degreesOfFreedom: nu))
            }
            integral *= (b - a) / Double(n)
            XCTAssertEqual(integral, StudentTDistribution.cdf(b, degreesOfFreedom: nu) - StudentTDistribution.cdf(a, degreesOfFreedom: nu), accuracy: 1e-7)
        }
        XCTAssertEqual(StudentTDistribution.cdf(1.3, degreesOfFreedom: 1e5), NormalDistribution.cdf(1.3), accuracy: 1e-5)
        let gaussian = PredictiveLaw.gaussian(mean: 0.01, variance: 4e-4)
        let wideT = PredictiveLaw(family: .studentT(degreesOfFreedom: 1e8), locations: [0.01], scales: [0.02])
        XCTAssertEqual(gaussian.crps(0.03), wideT.crps(0.03), accuracy: 1e-8)
        XCTAssertEqual(gaussian.logDensity(0.03), wideT.logDensity(0.03), accuracy: 1e-6)
        // Student-t by mean/variance keeps the variance.
        let t = PredictiveLaw.studentT(mean: 0, variance: 4e-4, degreesOfFreedom: 5)
        XCTAssertEqual(t.variance, 4e-4, accuracy: 1e-12)
    }

    /// Coverage by the PIT equals coverage by the law's central interval, and a t sample covers nominally
    /// under its own law while a moment-matched Gaussian over-covers the 50 % interval (the hump of issue 13).
    func testOwnLawCoverageAndTheGaussianHump() {
        var rng = RandomGenerator(seed: 11)
        let nu = 4.0, n = 40000
        var target: [Double] = []
        for _ in 0..<n {
            var chi = 0.0
            for _ in 0..<4 { let g = Double(rng.nextNormal()); chi += g * g }
            target.append(0.01 * Double(rng.nextNormal()) / (chi / nu).squareRoot())
        }
        let tLaws = ForecastLaws.studentT(mean: [Double](repeating: 0, count: n), variance: [Double](repeating: 2e-4, count: n),
                                          degreesOfFreedom: [Double](repeating: nu, count: n))
        let gLaws = ForecastLaws.gaussian(mean: [Double](repeating: 0, count: n), variance: [Double](repeating: 2e-4, count: n))
        let tScores = LawScores(target: target, laws: tLaws), gScores = LawScores(target: target, laws: gLaws)
        XCTAssertEqual(tScores.coverage(level: 0.5), 0.5, accuracy: 0.01)
        XCTAssertEqual(tScores.coverage(level: 0.9), 0.9, accuracy: 0.006)
        XCTAssertGreaterThan(gScores.coverage(level: 0.5), 0.55)
        XCTAssertLessThan(LawScores.meanOverValid(tScores.negativeLogLikelihood), LawScores.meanOverValid(gScores.negativeLogLikelihood) - 0.02)
        let interval = tLaws[0].centralInterval(level: 0.9)
        var inside = 0
        for y in target where y >= interval.lower && y <= interval.upper { inside += 1 }
        XCTAssertEqual(Double(inside) / Double(n), tScores.coverage(level: 0.9), accuracy: 1e-9)
    }

    /// scipy: t logpdf/cdf/ppf, the t CRPS against quadrature of ∫(F − 1{x ≥ y})², mixtures (log mean
    /// density, CDF, quantile, CRPS) for Gaussian and Student-t members.
    func testAgainstScipy() throws {
        let cases: [(Double, Double)] = [(-3.2, 2.5), (-0.4, 4), (0.0, 5), (1.7, 7.5), (6.0, 3)]
        let mixLocations = [0.001, -0.004, 0.006], mixScales = [0.01, 0.02, 0.015]
        let script = """
        import sys, json, numpy as np
        from scipy import stats, integrate
        cases = json.loads(sys.argv[1]); loc = np.array(json.loads(sys.argv[2])); sc = np.array(json.loads(sys.argv[3]))
        out = {'t': []}
        def crps(cdf, y, lo, hi):
            a = integrate.quad(lambda x: cdf(x)**2, lo, y, limit=400, epsabs=1e-13)[0]
            b = integrate.quad(lambda x: (1 - cdf(x))**2, y, hi, limit=400, epsabs=1e-13)[0]
            return a + b
        for z, nu in cases:
            out['t'].append([float(stats.t.logpdf(z, nu)), float(stats.t.cdf(z, nu)), float(stats.t.ppf(0.05, nu)),
                             float(stats.t.ppf(0.9, nu)), crps(lambda x: stats.t.cdf(x, nu), z, -np.inf, np.inf)])
        for name, dist in [('gauss', lambda x: stats.norm.cdf(x, loc, sc)), ('t5', lambda x: stats.t.cdf((x - loc) / sc, 5))]:
            pdf = (lambda x: stats.norm.pdf(x, loc, sc)) if name == 'gauss' else (lambda x: stats.t.pdf((x - loc) / sc, 5) / sc)
            cdf = lambda x, dist=dist: float(np.mean(dist(x)))
            y = 0.012
            from scipy.optimize import brentq
            q = brentq(lambda x: cdf(x) - 0.95, -1, 1, xtol=1e-14)
            out[name] = [float(np.log(np.mean(pdf(y)))), cdf(y), q, crps(cdf, y, -np.inf, np.inf)]
        print(json.dumps(out))
        """
        func json(_ value: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: value), as: UTF8.self) }
        let output = try PythonRunner.run(script, arguments: [json(cases.map { [$0.0, $0.1] }), json(mixLocations), json(mixScales)])
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [Any]])
        for (k, (z, nu)) in cases.enumerated() {
            let row = try XCTUnwrap(reference["t"]?[k] as? [Double])
            XCTAssertEqual(StudentTDistribution.logDensity(z, degreesOfFreedom: nu), row[0], accuracy: 1e-12)
            XCTAssertEqual(StudentTDistribution.cdf(z, degreesOfFreedom: nu), row[1], accuracy: 1e-13)
            XCTAssertEqual(StudentTDistribution.quantile(0.05, degreesOfFreedom: nu), row[2], accuracy: 1e-10)
            XCTAssertEqual(StudentTDistribution.quantile(0.9, degreesOfFreedom: nu), row[3], accuracy: 1e-10)
            XCTAssertEqual(StudentTDistribution.crps(z, degreesOfFreedom: nu), row[4], accuracy: 1e-7)
        }
        for (name, family) in [("gauss", LawFamily.gaussian), ("t5", .studentT(degreesOfFreedom: 5))] {
            let row = try XCTUnwrap(reference[name] as? [Double])
            let law = PredictiveLaw(family: family, locations: mixLocations, scales: mixScales)
            XCTAssertEqual(law.logDensity(0.012), row[0], accuracy: 1e-10, name)
            XCTAssertEqual(law.cdf(0.012), row[1], accuracy: 1e-12, name)
            XCTAssertEqual(law.quantile(0.95), row[2], accuracy: 1e-10, name)
            // Gaussian mixture CRPS exact; Student-t mixture: stratified pair term, stated tolerance 0.5 %.
            XCTAssertEqual(law.crps(0.012), row[3], accuracy: name == "gauss" ? 1e-10 : 5e-3 * row[3], name)
        }
    }

    /// GARCH(1,1)-t against Python `arch` (dist='t', mean='Zero') on t₅ innovations (returns in percent):
    /// our likelihood at arch's parameters equals arch's, and our fit is at least as good.
    func testGARCHStudentTAgainstPythonArch() throws {
        var rng = RandomGenerator(seed: 5)
        let truth = GARCH11(omega: 0.03, alpha: 0.08, beta: 0.9)
        var variance = truth.unconditionalVariance, r: [Double] = []
        for _ in 0..<3000 {
            var chi = 0.0
            for _ in 0..<5 { let g = Double(rng.nextNormal()); chi += g * g }
            let epsilon = Double(rng.nextNormal()) / (chi / 5).squareRoot() * (3.0 / 5).squareRoot()   // unit variance
            let x = variance.squareRoot() * epsilon
            r.append(x)
            variance = truth.omega + truth.alpha * x * x + truth.beta * variance
        }
        let script = """
        import sys, json
        from arch import arch_model
        r = json.loads(sys.argv[1])
        res = arch_model(r, mean='Zero', vol='GARCH', p=1, q=1, dist='t', rescale=False).fit(disp='off')
        p = res.params
        print(json.dumps({'omega': float(p['omega']), 'alpha': float(p['alpha[1]']), 'beta': float(p['beta[1]']),
                          'nu': float(p['nu']), 'loglik': float(res.loglikelihood)}))
        """
        let input = String(decoding: try JSONSerialization.data(withJSONObject: r), as: UTF8.self)
        let output = try PythonRunner.run(script, arguments: [input])
        let arch = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double])
        let archModel = GARCH11(omega: arch["omega"]!, alpha: arch["alpha"]!, beta: arch["beta"]!)
        XCTAssertEqual(archModel.studentTLogLikelihood(returns: r, degreesOfFreedom: arch["nu"]!), arch["loglik"]!, accuracy: 1e-6 * abs(arch["loglik"]!))
        let fit = GARCH11.fitStudentT(returns: r)
        XCTAssertGreaterThanOrEqual(fit.logLikelihood, arch["loglik"]! - 1e-3)
        XCTAssertEqual(fit.degreesOfFreedom, arch["nu"]!, accuracy: 0.05 * arch["nu"]!)
        XCTAssertEqual(fit.model.alpha, archModel.alpha, accuracy: 0.005)
        XCTAssertEqual(fit.model.beta, archModel.beta, accuracy: 0.005)
        XCTAssertGreaterThan(fit.logLikelihood, GARCH11.fit(returns: r).logLikelihood + 10)   // t beats Gaussian on t data
        print("GARCH-t vs arch: ours \(fit.model) ν \(fit.degreesOfFreedom) ll \(fit.logLikelihood); arch \(archModel) ν \(arch["nu"]!) ll \(arch["loglik"]!)")
    }

    /// The sum law keeps the mean and the variance, and the MC mixture's variance is aleatoric + epistemic.
    func testSumAndMixtureMoments() {
        let a = PredictiveLaw(family: .studentT(degreesOfFreedom: 6), locations: [0.001, 0.003], scales: [0.01, 0.012])
        let b = PredictiveLaw(family: .studentT(degreesOfFreedom: 6), locations: [0.002, -0.001], scales: [0.011, 0.009])
        let s = PredictiveLaw.sum([a, b])
        XCTAssertEqual(s.mean, a.mean + b.mean, accuracy: 1e-15)
        XCTAssertEqual(s.aleatoricVariance, a.aleatoricVariance + b.aleatoricVariance, accuracy: 1e-12)
        XCTAssertGreaterThan(s.family.degreesOfFreedom, 6)
        XCTAssertEqual(a.variance, a.aleatoricVariance + a.epistemicVariance, accuracy: 1e-15)
        XCTAssertEqual(PredictiveLaw.gaussian(mean: 0.01, variance: 1e-4).signConfidence, NormalDistribution.cdf(1), accuracy: 1e-14)
    }
}
