// `marketgpt bench` suite "features": every technical indicator over the real sample, in bars and values per second.
import Foundation
import MarketData
import MarketPipeline

extension BenchSuite {
    /// Computes all I indicators (`TechnicalIndicators.compute`) of every asset of the real sample on
    /// one core, three times, and reports the best rate; then pre-training samples/s at the reference model
    /// with every feature (F = 36) against the standard seven (only the input projection grows).
    /// Without the real sample the suite reports nothing.
    static let features = BenchSuite(name: "features") {
        guard let folder = BenchSuite.realDataFolder() else {
            FileHandle.standardError.write(Data("bench features: no real data folder (set MARKETGPT_REAL_DATA); skipped\n".utf8))
            return []
        }
        let real = try realUniverse(folder)
        let loaded = real.session.loaded()
        let series = loaded.assets.compactMap(\.real)
        let bars = series.reduce(0) { $0 + $1.count }
        var best = Double.infinity, bestCPU = Double.infinity
        var checksum = 0.0
        for _ in 0..<3 {
            let started = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = BenchSuite.processCPUSeconds()
            for s in series {
                let values = TechnicalIndicators.compute(s)
                checksum += Double(values[values.count - 1].isNaN ? 0 : values[values.count - 1])
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            bestCPU = min(bestCPU, BenchSuite.processCPUSeconds() - cpuStarted)
        }
        if checksum.isNaN { FileHandle.standardError.write(Data("bench features: NaN checksum\n".utf8)) }
        let values = Double(bars * IndicatorCatalog.count)
        let filled = real.filled
        let standard = try BenchSuite.pretrainRate(TrainingInputs(loaded: filled))
        let everything = try BenchSuite.pretrainRate(TrainingInputs(loaded: filled, featureSet: .everything))
        return [
            BenchFigure(name: "pretrain_samples_per_s_standard_features", value: standard.wall, unit: "samples/s", target: "F = 7"),
            BenchFigure(name: "pretrain_samples_per_s_all_features", value: everything.wall, unit: "samples/s",
                        target: "F = \(FeatureSet.everything.count): ≈ the F = 7 figure"),
            // CPU seconds (one thread here): what an idle core reaches when the machine is shared.
            BenchFigure(name: "indicators_values_per_cpu_s", value: values / bestCPU, unit: "values/cpu-s", target: ">= 2e7"),
            BenchFigure(name: "indicators_real_sample_cpu_s", value: bestCPU, unit: "cpu-s", target: "< 1"),
            BenchFigure(name: "pretrain_samples_per_cpu_s_standard_features", value: standard.cpu, unit: "samples/cpu-s", target: "F = 7"),
            BenchFigure(name: "pretrain_samples_per_cpu_s_all_features", value: everything.cpu, unit: "samples/cpu-s", target: "≈ the F = 7 figure"),
            BenchFigure(name: "indicators_bars_per_s", value: Double(bars) / best, unit: "bars/s", target: "(\(series.count) assets, \(bars) bars, 1 core)"),
            BenchFigure(name: "indicators_values_per_s", value: values / best, unit: "values/s", target: ">= 2e7 (\(IndicatorCatalog.count) indicators)"),
            BenchFigure(name: "indicators_real_sample_s", value: best, unit: "s", target: "< 1"),
        ]
    }
}
