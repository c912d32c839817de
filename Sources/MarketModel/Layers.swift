// Layers of MarketGPT: Linear, LayerNorm and the pre-LN causal transformer block.
import Foundation
import MarketTensor
import MarketSupport

/// Makes a named parameter tensor.
func makeParameter(_ name: String, _ shape: [Int], pool: BufferPool, fill: (Tensor) -> Void) -> Tensor {
    let t = Tensor(uninitializedShape: shape, pool: pool, requiresGrad: true)
    t.name = name
    fill(t)
    return t
}

/// Affine layer `x · weightᵀ + bias`; weight (Out, In), bias (Out).
public struct Linear {
    public let weight: Tensor
    public let bias: Tensor

    init(_ name: String, in inputs: Int, out outputs: Int, std: Float, pool: BufferPool, rng: inout RandomGenerator) {
        var local = rng.split()
        weight = makeParameter(name + ".weight", [outputs, inputs], pool: pool) { local.fillNormal($0.data, count: $0.count, std: std) }
        bias = makeParameter(name + ".bias", [outputs], pool: pool) { $0.data.update(repeating: 0, count: $0.count) }
    }

    /// x (…, In) → (…, Out).
    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }

    var parameters: [Tensor] { [weight, bias] }
}

/// LayerNorm over the last dim with learned weight (init 1) and bias (init 0).
public struct LayerNormLayer {
    public let weight: Tensor
    public let bias: Tensor

    init(_ name: String, width: Int, pool: BufferPool) {
        weight = makeParameter(name + ".weight", [width], pool: pool) { $0.data.update(repeating: 1, count: $0.count) }
        bias = makeParameter(name + ".bias", [width], pool: pool) { $0.data.update(repeating: 0, count: $0.count) }
    }

    /// x (…, C) → (…, C).
    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias) }

    var parameters: [Tensor] { [weight, bias] }
}

/// Pre-LayerNorm causal block: `x = x + attention(norm1(x)); x = x + mlp(norm2(x))`.
public struct TransformerBlock {
    public let norm1: LayerNormLayer
    public let qkv: Linear        // (3C, C)
    public let attentionProjection: Linear  // (C, C)
    public let norm2: LayerNormLayer
    public let fc: Linear         // (ratio·C, C)
    public let mlpProjection: Linear        // (C, ratio·C)
    let heads: Int
    let dropout: Float

    init(index: Int, config: ModelConfig, pool: BufferPool, rng: inout RandomGenerator) {
        let c = config.width, name = "blocks.\(index)"
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        norm1 = LayerNormLayer(name + ".norm1", width: c, pool: pool)
        qkv = Linear(name + ".attn.qkv", in: c, out: 3 * c, std: 0.02, pool: pool, rng: &rng)
        attentionProjection = Linear(name + ".attn.proj", in: c, out: c, std: residualStd, pool: pool, rng: &rng)
        norm2 = LayerNormLayer(name + ".norm2", width: c, pool: pool)
        fc = Linear(name + ".mlp.fc", in: c, out: config.mlpRatio * c, std: 0.02, pool: pool, rng: &rng)
        mlpProjection = Linear(name + ".mlp.proj", in: config.mlpRatio * c, out: c, std: residualStd, pool: pool, rng: &rng)
        heads = config.heads
        dropout = config.dropout
    }

    /// x (B, T, C) → (B, T, C). Each branch's dropout is fused with its residual add (`residualDropout`).
    public func callAsFunction(_ x: Tensor, mode: DropoutMode, rng: inout RandomGenerator) -> Tensor {
        var x = x
        x = residualDropout(x, attentionBranch(norm1(x)), probability: dropout, mode: mode, rng: &rng)
        x = residualDropout(x, mlpBranch(norm2(x)), probability: dropout, mode: mode, rng: &rng)
        return x
    }

    /// Inference shortcut for the last block: only position T−1's output, x (B, T, C) → (B, C).
    /// Keys and values still come from every position; nothing is recorded.
    public func lastPositionOnly(_ x: Tensor, mode: DropoutMode, rng: inout RandomGenerator) -> Tensor {
        let y = causalSelfAttentionLastQuery(qkv(norm1(x)), heads: heads)   // (B, C)
        var last = MarketTensor.lastPosition(x)                              // (B, C)
        last = residualDropout(last, attentionProjection(y), probability: dropout, mode: mode, rng: &rng)
        return residualDropout(last, mlpBranch(norm2(last)), probability: dropout, mode: mode, rng: &rng)
    }

    /// Causal multi-head self-attention with output projection, before dropout: (B, T, C) → (B, T, C).
    func attentionBranch(_ h: Tensor) -> Tensor {
        attentionProjection(causalSelfAttention(qkv(h), heads: heads))   // (B, T, C)
    }

    /// Position-wise MLP with GELU, before dropout: (…, C) → (…, C) via (…, ratio·C).
    func mlpBranch(_ h: Tensor) -> Tensor { mlpProjection(gelu(fc(h))) }

    var parameters: [Tensor] {
        norm1.parameters + qkv.parameters + attentionProjection.parameters + norm2.parameters + fc.parameters
            + mlpProjection.parameters
    }
}
