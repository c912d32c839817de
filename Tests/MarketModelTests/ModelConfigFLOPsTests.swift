// ModelConfig.forwardFLOPsPerSequence / trainingFLOPsPerSequence: the count against the model's own weights.
import XCTest
import MarketTensor
@testable import MarketModel

final class ModelConfigFLOPsTests: XCTestCase {
    /// The linear part of the count is 2 × (every linear layer's weight entries) per position, counted here from the
    /// parameters a built model holds (rank-2 `.weight` tensors outside the embedding tables), so a layer added to the
    /// model without the count following fails; the attention part is 4·T·C per position and layer.
    func testCountMatchesTheBuiltModelsLinearWeights() {
        for config in [MarketGPTTests.tinyConfig(), MarketGPTTests.tinyConfig(head: .studentT), ModelConfig()] {
            let model = MarketGPT(config: config, seed: 1)
            let linearWeights = model.namedParameters
                .filter { $0.name.hasSuffix(".weight") && !$0.name.hasPrefix("embed.") && $0.tensor.shape.count == 2 }
                .reduce(0) { $0 + $1.tensor.count }
            let t = Double(config.contextLength)
            let attention = Double(config.layers) * 4 * t * Double(config.width)
            let expected = t * (2 * Double(linearWeights) + attention)
            XCTAssertEqual(config.forwardFLOPsPerSequence, expected, accuracy: 1e-9 * expected)
            XCTAssertEqual(config.trainingFLOPsPerSequence, 3 * expected, accuracy: 1e-9 * expected)
        }
    }

    /// The reference config: 10.5 GFLOP per training step of 32 sequences (issue 17's figure), 1.71 MFLOP of
    /// forward work per position.
    func testReferenceConfigIsTenAndAHalfGFLOPPerStepOf32() {
        let config = ModelConfig()
        XCTAssertEqual(32 * config.trainingFLOPsPerSequence / 1e9, 10.4957, accuracy: 1e-4)
        XCTAssertEqual(config.forwardFLOPsPerSequence / Double(config.contextLength) / 1e6, 1.7083, accuracy: 1e-4)
    }
}
