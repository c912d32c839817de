// `marketgpt bench` suite "signals": the nightly run for a 615-asset universe × 20 MC passes, data loading included.
import Foundation
import MarketData
import MarketModel
import MarketPipeline
import MarketSignals
import MarketTensor
import MarketSynthetic

extension BenchSuite {
    /// `signals_nightly_s`: wall seconds of one nightly run as `marketgpt signals --date` does it — read the
    /// checkpoint, load + validate every CSV as of the date, gap-fill, score every asset with 20 MC-dropout
    /// passes, write the CSV + JSON — for `universes/global.yaml` (615 assets; relative to the working
    /// directory) with demo data written by `DemoMarketGenerator` (seed 42, its full history; not timed) and a
    /// random-weight reference model (T=64, C=128, 4 layers, H=5, F=7). Best of 2 runs.
    /// Also `signals_score_s` (scoring alone), `signals_score_cpu_s` (its CPU seconds, all threads) and `signals_load_fill_s` (loading + gap fill alone).
    static let signals = BenchSuite(name: "signals") {
        let universeURL = URL(fileURLWithPath: "universes/global.yaml")
        guard FileManager.default.fileExists(atPath: universeURL.path) else {
            FileHandle.standardError.write(Data("bench signals: universes/global.yaml not found (run from the package root); skipped\n".utf8))
            return []
        }
        setBLASThreads(2)
        let universe = try Universe.load(universeURL)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-signals-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let data = scratch.appendingPathComponent("data")
        let generator = DemoMarketGenerator(universe: universe, seed: 42)
        _ = try generator.write(to: data)

        let checkpoints = scratch.appendingPathComponent("checkpoints")
        try writeReferenceCheckpoint(universe: universe, to: checkpoints)

        let date = generator.endDate
        var best = Double.infinity, bestScore = Double.infinity, bestLoad = Double.infinity, bestScoreCPU = Double.infinity
        for round in 0..<2 {
            let started = DispatchTime.now().uptimeNanoseconds
            let models = try SignalModelSet.load(directory: checkpoints, categories: universe.categories.map(\.name))
            let job = SignalsJob(session: UniverseSession(definition: universe, dataDirectory: data, readUpTo: date), models: models,
                                 options: SignalRunOptions(samples: 20, seed: 0), gapFill: true)
            let assets = job.assets(asOf: date)
            let loaded = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = BenchSuite.processCPUSeconds()
            let records = try NightlySignals.records(date: date, assets: assets, models: models, options: job.options)
            let scored = DispatchTime.now().uptimeNanoseconds
            bestScoreCPU = min(bestScoreCPU, BenchSuite.processCPUSeconds() - cpuStarted)
            try SignalsJob.write(records, date: date, out: scratch.appendingPathComponent("out\(round)"))
            let finished = DispatchTime.now().uptimeNanoseconds
            best = min(best, Double(finished - started) / 1e9)
            bestScore = min(bestScore, Double(scored - loaded) / 1e9)
            bestLoad = min(bestLoad, Double(loaded - started) / 1e9)
            precondition(records.count == universe.assetCount, "bench signals: one row per asset")
        }
        return [
            BenchFigure(name: "signals_nightly_s", value: best, unit: "s", target: "<= 10 (615 assets x 20 passes, loading included)"),
            BenchFigure(name: "signals_score_s", value: bestScore, unit: "s", target: "(scoring alone)"),
            // CPU seconds of all threads while scoring: what two idle cores would need ÷ 2 (wall time suffers on a shared machine).
            BenchFigure(name: "signals_score_cpu_s", value: bestScoreCPU, unit: "cpu-s", target: "(all threads)"),
            BenchFigure(name: "signals_load_fill_s", value: bestLoad, unit: "s", target: "(checkpoint + CSV load + gap fill)"),
        ]
    }
}

extension BenchSuite {
    /// A random-weight reference model (T=64, C=128, 4 layers, H=5, F=7) for `universe`, written as
    /// `<folder>/pretrained.safetensors` with its id table and a fixed normaliser.
    static func writeReferenceCheckpoint(universe: Universe, to folder: URL) throws {
        var config = ModelConfig()
        config.featureCount = MarketFeatures.count
        config.assetCount = universe.assetCount
        config.categoryCount = universe.categories.count
        let model = MarketGPT(config: config, seed: 1)
        let table = EmbeddingIDTable(universe: universe)
        var normalizer = FeatureNormalizer()
        for id in 0..<universe.assetCount {
            normalizer.mean[id] = [Float](repeating: 0, count: MarketFeatures.count)
            normalizer.std[id] = [0.02, 0.01, 0.01, 0.01, 0.3, 0.01, 1]
        }
        try model.writeCheckpoint(to: folder.appendingPathComponent(SignalModelSet.pretrainedFileName),
                                  metadata: [ModelCheckpoint.Key.idTable: table.jsonString(),
                                             ModelCheckpoint.Key.normalizer: try normalizer.jsonString()])
    }

    /// `signals_history_s_per_date`: a history run (`marketgpt signals --from --to`) over the last 60 trading
    /// dates of the 213-asset real sample (`../shared/data/real`, relative to the working directory) with the
    /// reference model and 20 MC passes — files read once (timed), then per date: as-of view, gap fill, scoring,
    /// files written. Also `signals_history_score_s_per_date` (scoring alone per date) and
    /// `signals_history_ratio` (per date ÷ scoring per date; target ≤ 1.1). Skipped without ../shared.
    static let signalsHistory = BenchSuite(name: "signals_history") {
        let real = URL(fileURLWithPath: "../shared/data/real")
        let universeURL = real.appendingPathComponent("universe.yaml")
        guard FileManager.default.fileExists(atPath: universeURL.path) else {
            FileHandle.standardError.write(Data("bench signals_history: ../shared/data/real/universe.yaml not found; skipped\n".utf8))
            return []
        }
        setBLASThreads(2)
        let universe = try Universe.load(universeURL)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-history-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let checkpoints = scratch.appendingPathComponent("checkpoints")
        try writeReferenceCheckpoint(universe: universe, to: checkpoints)
        let models = try SignalModelSet.load(directory: checkpoints, categories: universe.categories.map(\.name))
        let options = SignalRunOptions(samples: 20, seed: 0)

        let started = DispatchTime.now().uptimeNanoseconds
        let session = UniverseSession(definition: universe, dataDirectory: real)
        guard let last = session.lastDataDay else { return [] }
        let dates = Array(session.tradingDates(from: last - 200, to: last).suffix(60))
        let job = SignalsJob(session: session, models: models, options: options, gapFill: true)
        var scoring = 0.0
        for date in dates {
            let assets = job.assets(asOf: date)
            let scoreStarted = DispatchTime.now().uptimeNanoseconds
            let records = try NightlySignals.records(date: date, assets: assets, models: models, options: options)
            scoring += Double(DispatchTime.now().uptimeNanoseconds - scoreStarted) / 1e9
            try SignalsJob.write(records, date: date, out: scratch.appendingPathComponent("history"))
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let perDate = total / Double(dates.count), scorePerDate = scoring / Double(dates.count)
        return [
            BenchFigure(name: "signals_history_s_per_date", value: perDate, unit: "s",
                        target: "<= 1.1 x scoring per date (213 real assets x 20 passes, \(dates.count) dates, one read)"),
            BenchFigure(name: "signals_history_score_s_per_date", value: scorePerDate, unit: "s", target: "(scoring alone)"),
            BenchFigure(name: "signals_history_ratio", value: perDate / scorePerDate, unit: "x", target: "<= 1.1"),
        ]
    }
}
