// MarketGPT trained by MarketTraining's AdamW: a few steps on one batch reduce the loss.
import XCTest
import MarketData
import MarketModel
import MarketTensor
import MarketTraining
import MarketSupport

final class ModelTrainingStepTests: XCTestCase {
    private func tinyConfig() -> ModelConfig {
        var c = ModelConfig()
        c.contextLength = 8; c.featureCount = 3; c.width = 16; c.layers = 2; c.heads = 2; c.mlpRatio = 2
        c.horizon = 2; c.assetCount = 5; c.categoryCount = 2; c.dropout = 0.1; c.assetEmbeddingDropout = 0.2
        return c
    }

    /// Random inputs and targets (every target weighted 1) for `b` windows.
    private func batch(_ config: ModelConfig, b: Int, seed: UInt64 = 1) -> Batch {
        var rng = RandomGenerator(seed: seed)
        var features = [Float](repeating: 0, count: b * config.contextLength * config.featureCount)
        var targets = [Float](repeating: 0, count: b * config.contextLength * config.horizon)
        features.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count) }
        targets.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count, std: 0.5) }
        return Batch(batchSize: b, featureCount: config.featureCount, inputs: features, assetIDs: (0..<b).map { Int32($0 % config.assetCount) },
                          categoryIDs: (0..<b).map { Int32($0 % config.categoryCount) }, targets: targets,
                          mask: [Float](repeating: 1, count: targets.count))
    }

    func testTrainingStepsReduceLoss() {
        let config = tinyConfig()
        let model = MarketGPT(config: config, seed: 8)
        let batch = batch(config, b: 4)
        let optimizer = AdamW(parameters: model.parameters, learningRate: 3e-3, weightDecay: 0.01)
        var rng = RandomGenerator(seed: 9)
        let first = Autograd.withoutRecording { model.loss(batch, mode: .eval, rng: &rng).item }
        for _ in 0..<40 {
            optimizer.zeroGrad()
            let loss = model.loss(batch, mode: .train, rng: &rng)
            loss.backward()
            XCTAssertTrue(clipGradientNorm(model.parameters, maxNorm: 1).isFinite)
            optimizer.step()
        }
        let last = Autograd.withoutRecording { model.loss(batch, mode: .eval, rng: &rng).item }
        XCTAssertLessThan(last, first - 0.2, "\(first) → \(last)")
    }
}
