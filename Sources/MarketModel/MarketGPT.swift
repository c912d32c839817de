// MarketGPT: hierarchical embeddings + pre-LN causal transformer + multi-step Gaussian/Student-t head.
//
// API overview (for trainers and the nightly run):
//   let model = MarketGPT(config: ModelConfig(), seed: 42)          // random init, deterministic
//   let batch = Batch(batchSize: B, featureCount: F, inputs: x, assetIDs: a, categoryIDs: k,
//                     targets: y, mask: w)                          // MarketData's one batch type
//   var rng = RandomGenerator(seed: 7)                               // dropout draws
//   let optimizer = AdamW(parameters: model.parameters, learningRate: 3e-4, weightDecay: 0.1)
//   // one training step:
//   optimizer.zeroGrad()
//   let loss = model.loss(batch, mode: .train, rng: &rng)           // scalar Tensor; loss.item is the value
//   loss.backward()
//   let norm = clipGradientNorm(model.parameters, maxNorm: 1)       // skip the step when !norm.isFinite
//   optimizer.step(learningRate: schedule.learningRate(at: step))
//   // evaluation:   Autograd.withoutRecording { model.loss(batch, mode: .eval, rng: &rng).item }
//   // checkpoint:   try model.writeCheckpoint(to: url, metadata: [...])   (config, content hash stored)
//   //               let trained = try TrainedModel.load(url)   (model, config, normaliser, id table, metadata)
//   // MC dropout:   let p = model.predictive(batch, samples: 20, rng: &rng)  // p.mean, p.aleatoric, … (B, H)
//   // parameters:   model.namedParameters — stable dotted names (`embed.asset.weight`, `blocks.0.attn.qkv.weight`, …)
import Foundation
import MarketData
import MarketTensor
import MarketSupport

/// The head's outputs: mean and (unclamped) log-variance for each of the next H steps.
public struct ModelOutput {
    /// (B, T, H), or (B, H) when only the last position was computed.
    public let mean: Tensor
    /// (B, T, H), or (B, H); clamp with `config.logVarianceRange` before use (the losses do).
    public let logVariance: Tensor
}

/// The MarketGPT forecaster.
public final class MarketGPT {
    public let config: ModelConfig
    /// Storage pool shared by parameters and activations (buffers are reused step to step).
    public let pool = BufferPool()
    /// (C, F) input projection of the features.
    public let input: Linear
    /// (T, C) learned position embedding.
    public let positionEmbedding: Tensor
    /// (K, C) category embedding: market-wide behaviour.
    public let categoryEmbedding: Tensor
    /// (N, C) asset embedding: what is the asset's own.
    public let assetEmbedding: Tensor
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNormLayer
    /// (H, C) mean head and (H, C) log-variance head.
    public let meanHead: Linear
    public let logVarianceHead: Linear

    /// Every parameter in a fixed order (the optimizer's order).
    public let parameters: [Tensor]

    /// A randomly initialised model (normal std 0.02, residual projections 0.02/√(2·layers), LayerNorm 1/0).
    public init(config: ModelConfig, seed: UInt64) {
        precondition((try? config.validate()) != nil, "MarketGPT: invalid config \(config)")
        self.config = config
        var rng = RandomGenerator(seed: seed)
        let c = config.width
        input = Linear("input", in: config.featureCount, out: c, std: 0.02, pool: pool, rng: &rng)
        let pool = self.pool
        func table(_ name: String, rows: Int, rng: inout RandomGenerator) -> Tensor {
            var local = rng.split()
            return makeParameter(name, [rows, c], pool: pool) { local.fillNormal($0.data, count: $0.count, std: 0.02) }
        }
        positionEmbedding = table("embed.position.weight", rows: config.contextLength, rng: &rng)
        categoryEmbedding = table("embed.category.weight", rows: config.categoryCount, rng: &rng)
        assetEmbedding = table("embed.asset.weight", rows: config.assetCount, rng: &rng)
        var blocks: [TransformerBlock] = []
        for i in 0..<config.layers { blocks.append(TransformerBlock(index: i, config: config, pool: pool, rng: &rng)) }
        self.blocks = blocks
        finalNorm = LayerNormLayer("final_norm", width: c, pool: pool)
        meanHead = Linear("head.mean", in: c, out: config.horizon, std: 0.02, pool: pool, rng: &rng)
        logVarianceHead = Linear("head.logvar", in: c, out: config.horizon, std: 0.02, pool: pool, rng: &rng)
        parameters = input.parameters + [positionEmbedding, categoryEmbedding, assetEmbedding]
            + blocks.flatMap(\.parameters) + finalNorm.parameters + meanHead.parameters + logVarianceHead.parameters
    }

    /// Parameters with their stable dotted names, in `parameters` order.
    public var namedParameters: [(name: String, tensor: Tensor)] { parameters.map { ($0.name!, $0) } }

    /// Total number of scalars in the parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Forward pass. `lastPositionOnly`: outputs only at position T−1, (B, H) instead of (B, T, H); when
    /// not recording (inference), the last block's attention output, MLP, final norm and head run only there.
    public func forward(_ batch: Batch, mode: DropoutMode, rng: inout RandomGenerator,
                        lastPositionOnly: Bool = false) -> ModelOutput {
        let b = batch.batchSize, f = config.featureCount, c = config.width, t = batch.contextLength
        precondition(b > 0 && batch.featureCount == f, "MarketGPT: batch of B=\(b), F=\(batch.featureCount) for a model of F=\(f)")
        precondition(t >= 1 && t <= config.contextLength, "MarketGPT: T=\(t) outside 1...\(config.contextLength)")
        let features = Tensor(batch.inputs, shape: [b, t, f], pool: pool)                // (B, T, F)
        var perPosition = [Int32](repeating: 0, count: b * t)
        for i in 0..<b { for p in 0..<t { perPosition[i * t + p] = max(batch.assetIDs[i], 0) } }
        // Asset id −1: an asset the model has not seen — no asset embedding (zero-shot: features, category
        // and position only, the path asset-embedding dropout trains).
        let zeroShot = batch.assetIDs.contains { $0 < 0 }
        var categoryPerPosition = [Int32](repeating: 0, count: b * t)
        for i in 0..<b { for p in 0..<t { categoryPerPosition[i * t + p] = batch.categoryIDs[i] } }
        let positions = embedding(positionEmbedding, ids: (0..<Int32(t)).map { $0 })  // (T, C)
        let category = embedding(categoryEmbedding, ids: categoryPerPosition, shape: [b, t])  // (B, T, C)
        var asset = dropout(embedding(assetEmbedding, ids: perPosition, shape: [b, t]),      // (B, T, C)
                            probability: config.assetEmbeddingDropout, mode: mode, rng: &rng, groupSize: t * c)
        if zeroShot {
            var mask = [Float](repeating: 1, count: b * t * c)
            for i in 0..<b where batch.assetIDs[i] < 0 { for k in (i * t * c)..<((i + 1) * t * c) { mask[k] = 0 } }
            asset = asset * Tensor(mask, shape: [b, t, c], pool: pool)                        // (B, T, C)
        }
        var x = input(features) + positions + category + asset                             // (B, T, C)
        x = dropout(x, probability: config.dropout, mode: mode, rng: &rng)
        if lastPositionOnly && !Autograd.isRecording {
            for block in blocks.dropLast() { x = block(x, mode: mode, rng: &rng) }          // (B, T, C)
            x = blocks[blocks.count - 1].lastPositionOnly(x, mode: mode, rng: &rng)         // (B, C)
        } else {
            for block in blocks { x = block(x, mode: mode, rng: &rng) }                    // (B, T, C)
            if lastPositionOnly { x = lastPosition(x) }                                     // (B, C)
        }
        x = finalNorm(x)
        return ModelOutput(mean: meanHead(x), logVariance: logVarianceHead(x))             // (B, T, H) or (B, H)
    }

    /// The training objective on `batch` (needs targets): weighted Gaussian (or Student-t) NLL over
    /// all positions and horizons with the loss weights `mask` (B, T, H) → scalar.
    public func loss(_ batch: Batch, mode: DropoutMode, rng: inout RandomGenerator) -> Tensor {
        let output = forward(batch, mode: mode, rng: &rng)
        return loss(output, batch: batch)
    }

    /// NLL of `output` (B, T, H) against `batch.targets` with the loss weights `batch.mask`.
    public func loss(_ output: ModelOutput, batch: Batch) -> Tensor {
        precondition(batch.hasTargets, "MarketGPT.loss: batch has no targets")
        precondition(batch.targets.count == output.mean.count, "MarketGPT.loss: \(batch.targets.count) targets for output \(output.mean.shape)")
        let y = Tensor(batch.targets, shape: output.mean.shape, pool: pool)
        let w: Tensor? = Tensor(batch.mask, shape: output.mean.shape, pool: pool)
        switch config.head {
        case .gaussian:
            return gaussianNLL(mean: output.mean, logVariance: output.logVariance, target: y, weight: w,
                               logVarianceRange: config.logVarianceRange)
        case .studentT:
            return studentTNLL(mean: output.mean, logVariance: output.logVariance, target: y, weight: w,
                               degreesOfFreedom: config.degreesOfFreedom, logVarianceRange: config.logVarianceRange)
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
