// `marketgpt bench` suite "linear": the AVX-512 linear kernels against OpenBLAS's sgemm on the same GEMMs, one thread.
import CKernels
import Foundation
import MarketModel
import MarketSupport
import MarketTensor

extension BenchSuite {
    /// The three GEMMs of each linear layer of a transformer block at the reference config, on one DataParallel
    /// replica's rows (batch 32 over 2 replicas: 16 × T = 1024 rows): qkv C→3C, attention projection C→C, MLP C→4C and
    /// 4C→C. Each pass of all four layers timed as one call (median of 30, single thread, OpenBLAS on 1 thread):
    /// - `linear_kernel_gflops`: forward (with bias) + input gradient + weight gradient (with the bias gradient) on
    ///   the CKernels linear kernels; `_forward`/`_input_grad`/`_weight_grad` each pass alone.
    /// - `linear_sgemm_gflops`: the same three GEMMs through `cblas_sgemm` with transpose flags (beta 0, no bias
    ///   work: a lower bound on what the layer would cost on sgemm), on the core OpenBLAS runs with.
    /// - `linear_bf16_forward_gflops`, `linear_bf16_input_grad_gflops` (CPUs with AVX-512 BF16): those passes on bf16
    ///   operands, an experiment of issue 17 that training does not use, and their ratios to the fp32 kernel's.
    /// Skipped when the CPU has no AVX-512 (the linear layer runs on sgemm there).
    static let linear = BenchSuite(name: "linear") {
        guard mg_cpu_supports_avx512() != 0 else {
            note("linear: no AVX-512 on this CPU; skipped")
            return []
        }
        setBLASThreads(1)
        defer { setBLASThreads(Parallel.threadCount) }
        let config = ModelConfig()
        let rows = 16 * config.contextLength, c = config.width, hidden = config.mlpRatio * c
        let layers = [(c, 3 * c), (c, c), (c, hidden), (hidden, c)]   // (in, out)
        var rng = RandomGenerator(seed: 3)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for k in 0..<count { p[k] = rng.nextNormal() }
            return p
        }
        struct Layer { let inputs, outputs: Int; let x, w, bias, y, dy, dx, dw, db, packed: UnsafeMutablePointer<Float> }
        let buffers = layers.map { i, o in
            Layer(inputs: i, outputs: o, x: buffer(rows * i), w: buffer(o * i), bias: buffer(o), y: buffer(rows * o),
                  dy: buffer(rows * o), dx: buffer(rows * i), dw: buffer(o * i), db: buffer(o),
                  packed: buffer(mg_linear_packed_weight_floats(o, i)))
        }
        defer { for l in buffers { for p in [l.x, l.w, l.bias, l.y, l.dy, l.dx, l.dw, l.db, l.packed] { p.deallocate() } } }
        let flops = buffers.reduce(0.0) { $0 + 2 * Double(rows * $1.inputs * $1.outputs) }   // per pass

        func rate(_ pass: (Layer) -> Void) -> Double {
            flops / BenchTimer.median(iterations: 30) { for l in buffers { pass(l) } } / 1e9
        }
        let forward = rate { l in
            mg_linear_pack_weight_avx512(l.packed, l.w, l.outputs, l.inputs)
            mg_linear_forward_avx512(l.y, l.x, l.packed, l.bias, 0, rows, l.outputs, l.inputs)
        }
        let inputGrad = rate { l in mg_linear_backward_input_avx512(l.dx, l.dy, l.w, 0, rows, l.outputs, l.inputs, 0) }
        let weightGrad = rate { l in
            mg_linear_backward_weight_avx512(l.dw, l.db, l.dy, l.x, rows, 0, l.outputs, l.outputs, l.inputs, 0)
        }
        let sgemmForward = rate { l in
            sgemm(transposeA: false, transposeB: true, m: rows, n: l.outputs, k: l.inputs, a: l.x, lda: l.inputs,
                  b: l.w, ldb: l.inputs, beta: 0, c: l.y, ldc: l.outputs)
        }
        let sgemmInputGrad = rate { l in
            sgemm(transposeA: false, transposeB: false, m: rows, n: l.inputs, k: l.outputs, a: l.dy, lda: l.outputs,
                  b: l.w, ldb: l.inputs, beta: 0, c: l.dx, ldc: l.inputs)
        }
        let sgemmWeightGrad = rate { l in
            sgemm(transposeA: true, transposeB: false, m: l.outputs, n: l.inputs, k: rows, a: l.dy, lda: l.outputs,
                  b: l.x, ldb: l.inputs, beta: 0, c: l.dw, ldc: l.inputs)
        }
        func combined(_ a: Double, _ b: Double, _ c: Double) -> Double { 3 / (1 / a + 1 / b + 1 / c) }   // 3 passes' time
        let kernel = combined(forward, inputGrad, weightGrad)
        let blas = combined(sgemmForward, sgemmInputGrad, sgemmWeightGrad)
        let core = BLASRuntime.selection.active
        let peak = BenchSuite.fmaPeakGFLOPs(threads: 1)
        let bf16 = mg_cpu_supports_avx512_bf16() != 0 ? bf16Rates(buffers.map { ($0.x, $0.w, $0.bias, $0.y, $0.dy, $0.dx, $0.inputs, $0.outputs) },
                                                                rows: rows, flops: flops) : nil
        note("linear: sgemm forward \(sgemmForward), input grad \(sgemmInputGrad), weight grad \(sgemmWeightGrad) GFLOP/s (\(core))")
        return [
            BenchFigure(name: "linear_kernel_gflops", value: kernel, unit: "GFLOP/s",
                        target: "> linear_sgemm_gflops (1 thread)"),
            BenchFigure(name: "linear_kernel_forward_gflops", value: forward, unit: "GFLOP/s", target: "reference"),
            BenchFigure(name: "linear_kernel_input_grad_gflops", value: inputGrad, unit: "GFLOP/s", target: "reference"),
            BenchFigure(name: "linear_kernel_weight_grad_gflops", value: weightGrad, unit: "GFLOP/s", target: "reference"),
            BenchFigure(name: "linear_sgemm_gflops", value: blas, unit: "GFLOP/s",
                        target: "OpenBLAS \(core), same GEMMs, 1 thread"),
            BenchFigure(name: "linear_kernel_vs_sgemm", value: kernel / blas, unit: "x", target: "> 1"),
            BenchFigure(name: "linear_fma_peak_gflops", value: peak, unit: "GFLOP/s", target: "1 core, same run (reference)"),
            BenchFigure(name: "linear_kernel_fraction_of_fma_peak", value: kernel / peak, unit: "x",
                        target: "linear_kernel_gflops / linear_fma_peak_gflops"),
        ] + (bf16.map { bf16 in [
            BenchFigure(name: "linear_bf16_forward_gflops", value: bf16.forward, unit: "GFLOP/s",
                        target: "bf16 operands (experiment, not used by training), conversions included, 1 thread"),
            BenchFigure(name: "linear_bf16_forward_vs_fp32", value: bf16.forward / forward, unit: "x",
                        target: "linear_bf16_forward_gflops / linear_kernel_forward_gflops"),
            BenchFigure(name: "linear_bf16_input_grad_gflops", value: bf16.inputGrad, unit: "GFLOP/s",
                        target: "bf16 operands (experiment), conversions included, 1 thread"),
            BenchFigure(name: "linear_bf16_input_grad_vs_fp32", value: bf16.inputGrad / inputGrad, unit: "x",
                        target: "linear_bf16_input_grad_gflops / linear_kernel_input_grad_gflops"),
        ] } ?? [])
    }

    /// GFLOP/s of the forward pass and the input gradient of `layers` (x, w, bias, y, dy, dx, in, out) on bf16
    /// operands (`mg_linear_bf16_forward`; the input gradient on the transposed packing), each call converting its
    /// left operand and the weight to bf16 and packing the weight, as the fp32 forward packs its weight: median of
    /// 30, one thread.
    private static func bf16Rates(_ layers: [(UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                              UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                              Int, Int)], rows: Int, flops: Double) -> (forward: Double, inputGrad: Double) {
        let scratch = layers.map { _, _, _, _, _, _, i, o in
            (input: UnsafeMutablePointer<UInt16>.allocate(capacity: rows * (i + i % 2)),
             gradient: UnsafeMutablePointer<UInt16>.allocate(capacity: rows * (o + o % 2)),
             weight: UnsafeMutablePointer<UInt16>.allocate(capacity: o * (i + i % 2)),
             packed: UnsafeMutablePointer<UInt32>.allocate(capacity: max(mg_linear_bf16_packed_weight_words(o, i),
                                                                         mg_linear_bf16_packed_weight_t_words(o, i))))
        }
        defer { for s in scratch { s.input.deallocate(); s.gradient.deallocate(); s.weight.deallocate(); s.packed.deallocate() } }
        func seconds(inputGradient: Bool) -> Double {
            BenchTimer.median(iterations: 30) {
                for ((x, w, bias, y, dy, dx, i, o), s) in zip(layers, scratch) {
                    mg_bf16_convert_rows(s.weight, w, o, i)
                    if inputGradient {   // dx (rows, In) = dy · W: the weight paired over outputs
                        mg_linear_bf16_pack_weight_t(s.packed, s.weight, o, i)
                        mg_bf16_convert_rows(s.gradient, dy, rows, o)
                        mg_linear_bf16_forward(dx, s.gradient, s.packed, nil, 0, rows, i, o)
                    } else {             // y (rows, Out) = bias + x · Wᵀ: the weight paired over inputs
                        mg_linear_bf16_pack_weight(s.packed, s.weight, o, i)
                        mg_bf16_convert_rows(s.input, x, rows, i)
                        mg_linear_bf16_forward(y, s.input, s.packed, bias, 0, rows, o, i)
                    }
                }
            }
        }
        let forward = seconds(inputGradient: false), inputGrad = seconds(inputGradient: true)
        return (flops / forward / 1e9, flops / inputGrad / 1e9)
    }
}
