// The linear layer's three GEMMs on the AVX-512 C kernels (CKernels/linear_avx512.c), spread over the cores.
import CKernels

/// Whether `linear` runs the AVX-512 linear kernels: the C kernels are allowed (`MARKETGPT_KERNELS` is not
/// "plain") and the CPU has AVX-512 (decided once). Otherwise `linear` uses sgemm (the plain path).
let linearUsesAVX512 = mg_kernels_use_avx2() != 0 && mg_cpu_supports_avx512() != 0

/// Row ranges of about this many rows per thread at least (a 14-row register tile is the kernels' unit).
private let linearRowsPerThread = 112

/// out (rows, Out) = input (rows, In) · weightᵀ + bias; weight (Out, In) row-major, bias (Out) or nil. Every
/// output is one FMA chain started at its bias, p ascending (the same bits for any split over threads).
/// `packed` holds `mg_linear_packed_weight_floats(Out, In)` floats of scratch.
func linearForwardAVX512(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, packed: UnsafeMutablePointer<Float>,
                         rows: Int, outFeatures: Int, inFeatures: Int) {
    mg_linear_pack_weight_avx512(packed, weight, outFeatures, inFeatures)
    Parallel.forChunks(rows, minimumPerThread: linearRowsPerThread) { r in
        mg_linear_forward_avx512(out, input, packed, bias, r.lowerBound, r.upperBound, outFeatures, inFeatures)
    }
}

/// dinput (rows, In) (+)= dout (rows, Out) · weight (Out, In) (adds when `accumulate`).
func linearBackwardInputAVX512(_ dinput: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, rows: Int, outFeatures: Int, inFeatures: Int,
                               accumulate: Bool) {
    Parallel.forChunks(rows, minimumPerThread: linearRowsPerThread) { r in
        mg_linear_backward_input_avx512(dinput, dout, weight, r.lowerBound, r.upperBound, outFeatures, inFeatures,
                                        accumulate ? 1 : 0)
    }
}

/// dweight (Out, In) (+)= doutᵀ (Out, rows) · input (rows, In) (adds when `accumulate`), and dbias (Out) += the
/// column sums of dout when given; threads split the output rows (blocks of 14), never the sums over `rows`.
func linearBackwardWeightAVX512(_ dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                                _ dout: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int, outFeatures: Int,
                                inFeatures: Int, accumulate: Bool) {
    let blocks = (outFeatures + 13) / 14
    let minimumBlocks = rows * inFeatures >= 1 << 16 ? 1 : blocks
    Parallel.forChunks(blocks, minimumPerThread: minimumBlocks) { b in
        mg_linear_backward_weight_avx512(dweight, dbias, dout, input, rows, b.lowerBound * 14,
                                         min(outFeatures, b.upperBound * 14), outFeatures, inFeatures, accumulate ? 1 : 0)
    }
}
