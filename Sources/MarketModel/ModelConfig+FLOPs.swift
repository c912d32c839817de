// The arithmetic of one training step, counted from the config: the yardstick that turns samples/s into GFLOP/s.
extension ModelConfig {
    /// Floating-point operations of one forward pass over one sequence (T positions), counting each multiply-add
    /// as 2: every linear layer (input F→C; per block qkv C→3C, projection C→C, MLP C→mC and mC→C; the two heads
    /// C→H) and the attention's two T×T products (scores q·kᵀ and P·v) counted in full, as dense-FLOP counters
    /// (PyTorch's, the usual "6 × parameters × tokens" rule) count them, although the causal kernels compute only
    /// half. Element-wise work (LayerNorm, GELU, softmax, dropout, embeddings) is left out: it is < 1 % of the count.
    /// Reference config: 1.71 MFLOP per position, 109.3 MFLOP per sequence.
    public var forwardFLOPsPerSequence: Double {
        let t = Double(contextLength), c = Double(width), f = Double(featureCount), h = Double(horizon)
        let m = Double(mlpRatio), l = Double(layers)
        let linearPerPosition = 2 * (f * c + l * (3 * c * c + c * c + 2 * m * c * c) + 2 * c * h)
        let attentionPerPosition = l * 2 * (2 * t * c)   // scores (T·C per position) and P·v (T·C), per layer
        return t * (linearPerPosition + attentionPerPosition)
    }

    /// Forward + backward of one sequence: 3 × `forwardFLOPsPerSequence` (the backward pass computes the input and
    /// the weight gradient of every product, twice the forward's work). Reference config: 0.328 GFLOP, i.e.
    /// 10.5 GFLOP per step of 32 sequences (the figure issue 17 quotes).
    public var trainingFLOPsPerSequence: Double { 3 * forwardFLOPsPerSequence }
}
