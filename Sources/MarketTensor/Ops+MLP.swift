// Differentiable position-wise MLP `linear → GELU → linear` as one op, GELU fused into the two GEMMs on AVX-512.
import CKernels

/// `gelu(x · fcWeightᵀ + fcBias) · projectionWeightᵀ + projectionBias`: x (…, C), fcWeight (H, C), fcBias (H),
/// projectionWeight (C′, H), projectionBias (C′) → (…, C′).
///
/// On AVX-512 CPUs (the linear kernels, `Kernels+Linear.swift`) the GELU runs on each 224-row block of the hidden
/// activation (…, H) right after the first GEMM wrote it, and its derivative right after the second GEMM's input
/// gradient — while the block is in L2 — instead of two more passes over the whole activation. Output and every
/// gradient are the same bits as `linear(gelu(linear(x, …)), …)`, which is what runs elsewhere (the plain path).
public func mlp(_ x: Tensor, fcWeight: Tensor, fcBias: Tensor, projectionWeight: Tensor, projectionBias: Tensor) -> Tensor {
    guard linearUsesAVX512 && geluUsesAVX512 else {
        return linear(gelu(linear(x, weight: fcWeight, bias: fcBias)), weight: projectionWeight, bias: projectionBias)
    }
    let hidden = fcWeight.shape[0], inFeatures = fcWeight.shape[1], outFeatures = projectionWeight.shape[0]
    precondition(fcWeight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == inFeatures && fcBias.count == hidden
                 && projectionWeight.rank == 2 && projectionWeight.shape[1] == hidden && projectionBias.count == outFeatures,
                 "mlp: input \(x.shape), fc \(fcWeight.shape) + \(fcBias.shape), projection \(projectionWeight.shape) + \(projectionBias.shape)")
    let rows = x.count / max(inFeatures, 1), lead = Array(x.shape.dropLast())
    let pool = Tensor.pool(of: fcWeight, x)
    let preActivation = Tensor(uninitializedShape: lead + [hidden], pool: pool)   // (…, H) before GELU
    let activation = Tensor(uninitializedShape: lead + [hidden], pool: pool)      // (…, H) after GELU
    let out = Tensor(uninitializedShape: lead + [outFeatures], pool: pool)        // (…, C′)
    do {
        let packed = Tensor(uninitializedShape: [mg_linear_packed_weight_floats(max(hidden, outFeatures),
                                                                                max(inFeatures, hidden))], pool: pool)
        linearGELUForwardAVX512(preActivation: preActivation.data, activation: activation.data, x.data,
                                weight: fcWeight.data, bias: fcBias.data, packed: packed.data, rows: rows,
                                outFeatures: hidden, inFeatures: inFeatures)
        linearForwardAVX512(out.data, activation.data, weight: projectionWeight.data, bias: projectionBias.data,
                            packed: packed.data, rows: rows, outFeatures: outFeatures, inFeatures: hidden)
    }
    let parents = [x, fcWeight, fcBias, projectionWeight, projectionBias]
    guard Tensor.recordsGradient(x, fcWeight, fcBias, projectionWeight, projectionBias) else { return out }
    out.record(parents) { out in
        let dout = out.gradBuffer!                                                 // (…, C′)
        linearWeightGradients(projectionWeight, projectionBias, dout, input: activation.data, rows: rows)
        guard x.requiresGrad || fcWeight.requiresGrad || fcBias.requiresGrad else { return }
        let dpre = Tensor(uninitializedShape: preActivation.shape, pool: pool)    // (…, H)
        linearBackwardInputGELUAVX512(dpre.data, dout, weight: projectionWeight.data, preActivation: preActivation.data,
                                      rows: rows, outFeatures: outFeatures, inFeatures: hidden)
        if x.requiresGrad {                                                        // dx (…, C) (+)= dpre · fcWeight
            let (dx, beta) = x.gradForGEMM()
            linearBackwardInputAVX512(dx, dpre.data, weight: fcWeight.data, rows: rows, outFeatures: hidden,
                                      inFeatures: inFeatures, accumulate: beta != 0)
        }
        linearWeightGradients(fcWeight, fcBias, dpre.data, input: x.data, rows: rows)
    }
    return out
}

/// dweight (Out, In) (+)= doutᵀ · input and dbias (Out) += Σ_rows dout for whichever of the two needs a gradient, as
/// `linear`'s backward does on the AVX-512 kernels (the bias sum in the weight kernel's pass when both do).
private func linearWeightGradients(_ weight: Tensor, _ bias: Tensor, _ dout: UnsafePointer<Float>,
                                   input: UnsafePointer<Float>, rows: Int) {
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    let db = bias.requiresGrad ? bias.gradForAccumulation() : nil
    if weight.requiresGrad {
        let (dw, beta) = weight.gradForGEMM()
        linearBackwardWeightAVX512(dw, dbias: db, dout, input: input, rows: rows, outFeatures: outFeatures,
                                   inFeatures: inFeatures, accumulate: beta != 0)
    } else if let db {
        columnSumAccumulate(db, dout, rows: rows, columns: outFeatures)
    }
}
