// `marketgpt bench` suite "model": training throughput and nightly MC-dropout inference at the reference config.
import Foundation
import MarketData
import MarketModel
import MarketTensor
import MarketTraining
import MarketSupport

extension BenchSuite {
    /// Reference config, random weights and inputs, 2 cores. Main figures use `DataParallel` (one replica per
    /// core, single-threaded BLAS); `train_samples_per_s_blas2` is one model with 2 BLAS threads.
    /// `host_fma_gflops` is the FMA peak of the 2 cores probed right before and right after the timed data-parallel
    /// steps (mean of the two), `host_memcpy_gbps` their memory bandwidth right after the training figures (and after
    /// the peak RSS reading, which its buffers would raise); `train_gflops` is the step's arithmetic
    /// per second (`trainingFLOPsPerSequence`, 0.328 GFLOP per sample) and `train_fraction_of_fma_peak` its share of
    /// the peak: the step's efficiency on whatever host and moment the run got.
    static let model = BenchSuite(name: "model") {
        setBLASThreads(2)
        let config = ModelConfig()
        let model = MarketGPT(config: config, seed: 1)
        let parallel = DataParallel(model: model, workers: 2, blasThreadsOutside: 2)
        var rng = RandomGenerator(seed: 2)
        func randomBatch(_ b: Int, targets: Bool) -> Batch {
            let t = config.contextLength, f = config.featureCount, h = config.horizon
            return Batch(batchSize: b, featureCount: f, inputs: (0..<(b * t * f)).map { _ in rng.nextNormal() },
                         assetIDs: (0..<b).map { Int32($0 % config.assetCount) },
                         categoryIDs: (0..<b).map { Int32($0 % config.categoryCount) },
                         targets: targets ? (0..<(b * t * h)).map { _ in rng.nextNormal() * 0.02 } : nil,
                         mask: targets ? [Float](repeating: 1, count: b * t * h) : nil)
        }
        let batchSize = 32, steps = 20
        let batch = randomBatch(batchSize, targets: true)
        let optimizer = AdamW(parameters: model.parameters, learningRate: 1e-4, weightDecay: 0.1)
        var perCPUSecond: [String: Double] = [:]   // samples per CPU-second of each timed run (steadier than wall at load)
        func timeSteps(_ name: String, _ gradients: () -> Void) -> Double {
            var update: UInt64 = 0   // nanoseconds in clipping + the optimizer step
            func step() {
                optimizer.zeroGrad()
                gradients()
                let updateStart = DispatchTime.now().uptimeNanoseconds
                clipGradientNorm(model.parameters, maxNorm: 1)
                optimizer.step()
                update += DispatchTime.now().uptimeNanoseconds - updateStart
            }
            step(); step()
            update = 0
            parallel.timing = DataParallelTiming()
            let start = DispatchTime.now().uptimeNanoseconds, cpu = BenchSuite.processCPUSeconds()
            for _ in 0..<steps { step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuSeconds = BenchSuite.processCPUSeconds() - cpu
            note("\(name): \(steps) steps, wall \(seconds) s, cpu \(cpuSeconds) s, clip + optimizer "
                 + String(format: "%.2f ms/step", Double(update) / 1e6 / Double(steps)))
            if parallel.timing.calls > 0 { note("\(name): data-parallel \(parallel.timing.summary)") }
            perCPUSecond[name] = Double(batchSize * steps) / cpuSeconds
            return Double(batchSize * steps) / seconds
        }
        let single = timeSteps("train blas2") { model.loss(batch, mode: .train, rng: &rng).backward() }
        let peakBefore = BenchSuite.fmaPeakGFLOPs(threads: 2)
        let dataParallel = timeSteps("train data-parallel") { _ = parallel.lossAndGradients(batch, mode: .train, rng: &rng) }
        let peakAfter = BenchSuite.fmaPeakGFLOPs(threads: 2)
        let hostPeak = (peakBefore + peakAfter) / 2, trainGFLOPs = dataParallel * config.trainingFLOPsPerSequence / 1e9
        note(String(format: "host: FMA peak of 2 cores %.1f / %.1f GFLOP/s (before / after the data-parallel steps); "
                    + "the step ran %.1f GFLOP/s", peakBefore, peakAfter, trainGFLOPs))
        // The same step on the kernels OpenBLAS chose at load time (before `BLASRuntime` switched), and PyTorch's
        // twin of it right after, so the three figures share the machine's load.
        let blas = BLASRuntime.selection
        note("openblas core: \(blas.active) (detected at load: \(blas.detected))")
        let detectedCore = blas.switched ? BLASRuntime.withCore(blas.detected) {
            timeSteps("train data-parallel, \(blas.detected) kernels") { _ = parallel.lossAndGradients(batch, mode: .train, rng: &rng) }
        } : dataParallel
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        let hostMemory = BenchSuite.memoryGBps(threads: 2)   // after the peak RSS reading: its 128 MB are not the step's
        note(String(format: "host: memcpy of 2 cores %.1f GB/s (after the training figures)", hostMemory))
        let torch = BenchSuite.torchTrainRate(threads: 2)

        let assets = randomBatch(config.assetCount, targets: false)
        let inferStart = DispatchTime.now().uptimeNanoseconds, inferCPU = BenchSuite.processCPUSeconds()
        _ = parallel.predictive(assets, samples: 20, rng: &rng)
        let inferSeconds = Double(DispatchTime.now().uptimeNanoseconds - inferStart) / 1e9
        note("mc data-parallel: wall \(inferSeconds) s, cpu \(BenchSuite.processCPUSeconds() - inferCPU) s")
        return [
            BenchFigure(name: "train_samples_per_s", value: dataParallel, unit: "samples/s", target: ">= 450 (PyTorch 222 quoted)"),
            BenchFigure(name: "train_samples_per_cpu_s", value: perCPUSecond["train data-parallel"] ?? .nan, unit: "samples/CPU-s",
                        target: ">= 225 (450 samples/s on 2 idle cores)"),
            BenchFigure(name: "train_gflops", value: trainGFLOPs, unit: "GFLOP/s",
                        target: ">= \(Int((450 * config.trainingFLOPsPerSequence / 1e9).rounded())) (450 samples/s)"),
            BenchFigure(name: "host_fma_gflops", value: hostPeak, unit: "GFLOP/s", target: "2 cores, same run (reference)"),
            BenchFigure(name: "train_fraction_of_fma_peak", value: trainGFLOPs / hostPeak, unit: "x",
                        target: "train_gflops / host_fma_gflops"),
            BenchFigure(name: "host_memcpy_gbps", value: hostMemory, unit: "GB/s",
                        target: "2 cores × 32 MB, same run, after the steps (reference)"),
            BenchFigure(name: "train_samples_per_s_blas2", value: single, unit: "samples/s", target: "reference"),
            BenchFigure(name: "train_samples_per_s_load_time_blas_core", value: detectedCore ?? .nan, unit: "samples/s",
                        target: "OpenBLAS's own choice (\(blas.detected))"),
        ] + (torch.map { torch in [
            BenchFigure(name: "torch_train_samples_per_s", value: torch.samplesPerSecond, unit: "samples/s",
                        target: "PyTorch \(torch.version), same model, 2 threads"),
            BenchFigure(name: "train_vs_torch", value: dataParallel / torch.samplesPerSecond, unit: "x",
                        target: "train_samples_per_s / torch"),
        ] } ?? []) + [
            BenchFigure(name: "train_peak_rss_mb", value: peakMB, unit: "MB", target: "<= 1024"),
            BenchFigure(name: "mc_infer_seconds", value: inferSeconds, unit: "s", target: "<= 10 (PyTorch 38)"),
        ]
    }
}

/// A diagnostic line on stderr.
func note(_ text: String) { FileHandle.standardError.write(Data("bench: \(text)\n".utf8)) }
