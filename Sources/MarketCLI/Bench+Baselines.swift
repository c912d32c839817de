// `marketgpt bench` suite for MarketTraining's evaluation baselines and training monitor.
import Foundation
import MarketTraining

extension BenchSuite {
    /// `garch_fit_ms`: one GARCH(1,1) maximum-likelihood fit on 2,500 simulated daily returns (best of 5);
    /// `baselines_615x5000_s`: RW + EWMA + GARCH forecasts (H = 5) for 615 assets × 5,000 days on 2 threads;
    /// `monitor_record_us`: one logged step of the training monitor (metrics.jsonl + TensorBoard record).
    static let baselines = BenchSuite(name: "baselines") {
        let truth = GARCH11(omega: 2e-6, alpha: 0.08, beta: 0.9)
        let series = truth.simulate(count: 2500, seed: 1)
        var best = Double.infinity
        var checksum = 0.0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            checksum += GARCH11.fit(returns: series).model.alpha
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let panel = (0..<615).map { truth.simulate(count: 5000, seed: UInt64($0)) }
        var start = DispatchTime.now().uptimeNanoseconds
        let forecasts = BaselinePanel(returns: panel, trainingEnd: [Int](repeating: 4000, count: 615), horizon: 5)
        let panelSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        checksum += forecasts.variances(.garch, assets: [0], origins: [4500])[0]

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-monitor-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let steps = 2000
        let monitor = try TrainingMonitor(runDirectory: folder, options: .init(totalSteps: steps, logEvery: 1, isTerminal: false),
                                          output: { _ in })
        start = DispatchTime.now().uptimeNanoseconds
        for step in 1...steps {
            try monitor.record(step: step, epoch: 0, loss: 1, samples: 32, learningRate: 1e-3, gradNorm: 1)
        }
        let recordMicroseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(steps)
        monitor.finish()
        precondition(checksum.isFinite)
        return [
            BenchFigure(name: "garch_fit_ms", value: best, unit: "ms", target: "2,500 days"),
            BenchFigure(name: "baselines_615x5000_s", value: panelSeconds, unit: "s", target: "3 baselines, 2 threads"),
            BenchFigure(name: "monitor_record_us", value: recordMicroseconds, unit: "us", target: "<< one step"),
        ]
    }
}
