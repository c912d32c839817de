// `marketgpt bench` suite for MarketServer: a synth job through the server's job queue vs the same work as `marketgpt synth`.
import Foundation
import Logging
import MarketData
import MarketPipeline
import MarketServer
import MarketSynthetic

extension BenchSuite {
    /// The measure — a synth job of 100 series of 5,000 days (from a 5,001-day GARCH source, min fidelity
    /// 50, seed 1, 2 threads) vs the same work as `marketgpt synth` — twice, in alternating order:
    /// `SynthJobs.generate` as the command calls it (`serve_synth_cli_s`), and a job of the server's
    /// `SynthJobQueue` from submit to done (`serve_synth_job_s`: queue, job files, the same call with its
    /// progress/cancel hook); `serve_synth_job_overhead_pct` = job / CLI − 1 (target < 5). The ZIPs are not part
    /// of a job: each is built on its first download and kept — `serve_synth_zip_first_download_s` and
    /// `serve_synth_xlsx_first_download_s` time those builds (`SynthJobQueue.download`), which the CLI has no
    /// equivalent of. Each figure is the best of 2 rounds (machine noise).
    static let serve = BenchSuite(name: "serve") {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-serve-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = Data(OHLCVCSV.text(GARCHReference.series(days: 5001, seed: 7), prices: .significant8).utf8)
        let input = folder.appendingPathComponent("source.csv")
        try csv.write(to: input)
        var parameters = SynthJobParameters()
        parameters.count = 100
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
        var cli = Double.infinity, job = Double.infinity, generation = Double.infinity
        var zipFirst = Double.infinity, xlsxFirst = Double.infinity
        for round in 0..<2 {
            func runCLI() throws {
                let start = Date()
                try SynthJobs.generate(input: input, out: folder.appendingPathComponent("cli-\(round)"), settings: settings)
                cli = min(cli, Date().timeIntervalSince(start))
            }
            if round == 0 { try runCLI() }
            let submitted = Date()
            let state = try queue.submit(csv: csv, parameters: parameters)
            guard queue.waitIdle(timeout: 3600), let done = queue.state(state.id), done.state == .done else {
                throw DataCommandFailure("bench serve: the synth job did not finish (\(queue.state(state.id)?.error ?? "?"))")
            }
            job = min(job, Date().timeIntervalSince(submitted))
            generation = min(generation, done.generationSeconds ?? .nan)
            if round == 1 { try runCLI() }
            var start = Date()
            _ = try queue.download(state.id, .csvZip)
            zipFirst = min(zipFirst, Date().timeIntervalSince(start))
            start = Date()
            _ = try queue.download(state.id, .xlsxZip)
            xlsxFirst = min(xlsxFirst, Date().timeIntervalSince(start))
        }
        return [
            BenchFigure(name: "serve_synth_cli_s", value: cli, unit: "s", target: "100 × 5,000 days, as marketgpt synth"),
            BenchFigure(name: "serve_synth_job_s", value: job, unit: "s", target: "the same work as a server job, submit → done"),
            BenchFigure(name: "serve_synth_job_overhead_pct", value: (job / cli - 1) * 100, unit: "%", target: "< 5"),
            BenchFigure(name: "serve_synth_job_generation_s", value: generation, unit: "s", target: "the job's own timing of the work"),
            BenchFigure(name: "serve_synth_zip_first_download_s", value: zipFirst, unit: "s", target: "CSV zip, built on first download"),
            BenchFigure(name: "serve_synth_xlsx_first_download_s", value: xlsxFirst, unit: "s", target: "100 workbooks zipped, on first download"),
        ]
    }
}
