// `marketgpt bench` suite for MarketServer: a synth job through the server's job queue vs the same work as `marketgpt synth`.
import Foundation
import Logging
import MarketData
import MarketPipeline
import MarketServer
import MarketSynthetic

extension BenchSuite {
    /// The same synth work (20 series of 5,000 days from a 5,001-day GARCH source, min fidelity 50, seed 1,
    /// 2 threads) twice: `SynthJobs.generate` as `marketgpt synth` calls it, and a job of the server's
    /// `SynthJobQueue` (submit → done), whose generation part is the same call plus the progress/cancel hook.
    /// `serve_synth_cli_s`, `serve_synth_job_generation_s` and their ratio `serve_synth_job_overhead_pct`
    /// (target < 5); `serve_synth_job_packaging_s` is the extra the server does (one .xlsx per series, the CSV
    /// and Excel zips) and `serve_synth_job_total_s` submit → done. Each best of 2 rounds (machine noise).
    static let serve = BenchSuite(name: "serve") {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-serve-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = Data(OHLCVCSV.text(GARCHReference.series(days: 5001, seed: 7), prices: .significant8).utf8)
        let input = folder.appendingPathComponent("source.csv")
        try csv.write(to: input)
        var parameters = SynthJobParameters()
        parameters.count = 20
        parameters.length = 5000
        parameters.minFidelity = 50
        parameters.seed = 1
        parameters.sourceName = "source.csv"
        let settings = SynthJobs.Settings(count: parameters.count, minFidelity: parameters.minFidelity, seed: parameters.seed,
                                          length: parameters.length, maxAttempts: parameters.maxAttempts, method: .stationary,
                                          blockLength: nil, threads: 2, zip: false, csv: CSVOptions())
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let queue = try SynthJobQueue(root: folder.appendingPathComponent("jobs"), concurrency: 1, queueLimit: 1, threads: 2, logger: logger)
        var cli = Double.infinity, generation = Double.infinity, packaging = Double.infinity, total = Double.infinity
        for round in 0..<2 {
            let start = Date()
            try SynthJobs.generate(input: input, out: folder.appendingPathComponent("cli-\(round)"), settings: settings)
            cli = min(cli, Date().timeIntervalSince(start))
            let submitted = Date()
            let job = try queue.submit(csv: csv, parameters: parameters)
            guard queue.waitIdle(timeout: 3600), let done = queue.state(job.id), done.state == .done else {
                throw DataCommandFailure("bench serve: the synth job did not finish (\(queue.state(job.id)?.error ?? "?"))")
            }
            total = min(total, Date().timeIntervalSince(submitted))
            generation = min(generation, done.generationSeconds ?? .nan)
            packaging = min(packaging, done.packagingSeconds ?? .nan)
        }
        return [
            BenchFigure(name: "serve_synth_cli_s", value: cli, unit: "s", target: "20 × 5,000 days, as marketgpt synth"),
            BenchFigure(name: "serve_synth_job_generation_s", value: generation, unit: "s", target: "the same work in a server job"),
            BenchFigure(name: "serve_synth_job_overhead_pct", value: (generation / cli - 1) * 100, unit: "%", target: "< 5"),
            BenchFigure(name: "serve_synth_job_packaging_s", value: packaging, unit: "s", target: "extra: xlsx + 2 zips"),
            BenchFigure(name: "serve_synth_job_total_s", value: total, unit: "s", target: "submit → done"),
        ]
    }
}
