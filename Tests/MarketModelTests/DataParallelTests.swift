// DataParallel: split-batch loss, gradients and predictive equal the single-model ones.
import XCTest
import MarketTensor
@testable import MarketModel
import MarketSupport

final class DataParallelTests: XCTestCase {
    /// In .eval mode (no dropout) two workers give the whole batch's loss and gradients (1e-5 relative).
    func testLossAndGradientsMatchSingleModel() {
        let config = MarketGPTTests.tinyConfig()
        let model = MarketGPT(config: config, seed: 3)
        let batch = MarketGPTTests.batch(config, b: 5)
        var rng = RandomGenerator(seed: 1)
        model.zeroGrad()
        let single = model.loss(batch, mode: .eval, rng: &rng)
        single.backward()
        let expected = model.parameters.map(\.gradScalars)
        let parallel = DataParallel(model: model, workers: 2)
        model.zeroGrad()
        let value = parallel.lossAndGradients(batch, mode: .eval, rng: &rng)
        XCTAssertEqual(value, single.item, accuracy: 1e-5)
        for (p, e) in zip(model.parameters, expected) {
            let g = p.gradScalars
            for i in 0..<g.count { XCTAssertEqual(g[i], e[i], accuracy: 1e-5 + 1e-4 * abs(e[i]), p.name!) }
        }
    }

    /// The timing diagnostic adds up: one entry per worker, each worker's time within the workers' region, the parts
    /// within the whole call, summed over calls.
    func testTimingAccountsForEveryCall() {
        let config = MarketGPTTests.tinyConfig()
        let parallel = DataParallel(model: MarketGPT(config: config, seed: 5), workers: 2)
        var rng = RandomGenerator(seed: 2)
        XCTAssertEqual(parallel.timing, DataParallelTiming())
        for _ in 0..<2 { _ = parallel.lossAndGradients(MarketGPTTests.batch(config, b: 4), mode: .train, rng: &rng) }
        let t = parallel.timing
        XCTAssertEqual(t.calls, 2)
        XCTAssertEqual(t.perWorker.count, 2)
        XCTAssertTrue(t.perWorker.allSatisfy { $0 > 0 && $0 <= t.workers }, "\(t)")
        XCTAssertLessThanOrEqual(t.sync + t.workers + t.reduce, t.total * (1 + 1e-9) + 1e-9)
        XCTAssertTrue((0..<1).contains(t.workerWaitFraction), "\(t.workerWaitFraction)")
        XCTAssertTrue(t.summary.contains("workers waiting"), t.summary)
    }

    func testPredictiveMatchesSingleModelAndTrainingModeIsDeterministic() {
        let config = MarketGPTTests.tinyConfig()
        let model = MarketGPT(config: config, seed: 4)
        let batch = MarketGPTTests.batch(config, b: 5)
        var rng = RandomGenerator(seed: 2)
        let parallel = DataParallel(model: model, workers: 2)
        let a = model.predictive(batch, samples: 2, rng: &rng, mode: .eval)
        let b = parallel.predictive(batch, samples: 2, rng: &rng, mode: .eval)
        for i in 0..<a.mean.count { XCTAssertEqual(a.mean[i], b.mean[i], accuracy: 1e-6) }
        var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9)
        model.zeroGrad()
        let l1 = parallel.lossAndGradients(batch, mode: .train, rng: &r1)
        let g1 = model.parameters[0].gradScalars
        model.zeroGrad()
        let l2 = parallel.lossAndGradients(batch, mode: .train, rng: &r2)
        XCTAssertEqual(l1, l2)
        XCTAssertEqual(g1, model.parameters[0].gradScalars)
        let mc = parallel.predictive(batch, samples: 4, rng: &rng)
        XCTAssertTrue(mc.epistemic.allSatisfy { $0 > 0 })
    }
}
