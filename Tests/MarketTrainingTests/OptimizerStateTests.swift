// A stored optimizer state with a non-finite or negative moment is refused on load (a resume never runs on it).
import XCTest
import MarketModel
import MarketTensor
@testable import MarketTraining

final class OptimizerStateTests: XCTestCase {
    func testNonFiniteOptimizerMomentsAreRefused() throws {
        var c = ModelConfig()
        c.contextLength = 8; c.featureCount = 3; c.width = 16; c.layers = 1; c.heads = 2; c.mlpRatio = 2
        c.horizon = 2; c.assetCount = 5; c.categoryCount = 2
        let model = MarketGPT(config: c, seed: 1)
        let optimizer = AdamW(parameters: model.namedParameters.map(\.tensor), learningRate: 1e-3)
        var state = optimizer.stateTensors().mapValues { (shape: $0.shape, values: $0.scalars) }
        XCTAssertNoThrow(try optimizer.loadState(state, stepCount: 3))
        let key = state.keys.sorted().first { $0.hasSuffix(".exp_avg_sq") }!
        state[key]!.values[0] = -1
        XCTAssertThrowsError(try optimizer.loadState(state, stepCount: 3)) { XCTAssertTrue("\($0)".contains(key), "\($0)") }
        state[key]!.values[0] = Float.infinity
        XCTAssertThrowsError(try optimizer.loadState(state, stepCount: 3))
    }
}
