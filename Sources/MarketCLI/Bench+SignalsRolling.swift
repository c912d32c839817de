// `marketgpt bench` suite "signals_rolling": one nightly run of a rolling category — cold, warm (persisted laws), static.
import Foundation
import MarketData
import MarketModel
import MarketPipeline
import MarketSignals
import MarketSupport
import MarketTensor

extension BenchSuite {
    /// `signals_rolling_cold_s`, `signals_rolling_warm_s`, `signals_rolling_static_s`, side by side: wall seconds of one
    /// nightly run (`SignalsJob.runNightly`, as `marketgpt signals --date`: checkpoint loaded, files read as of the date,
    /// as-of views and gap fill, scoring, files written) on the 213-asset real sample (`realDataFolder()`) with the reference model and 20 MC passes, crypto recalibrated by a stored rolling choice
    /// (30-day window, scale + map; the other categories static — a 30-day window keeps the cold run to ≈ 53 forecasts):
    /// - cold: an empty signal folder, the second-to-last trading date (every trading date of the look-back window
    ///   forecast, K × S passes each, and persisted in `rolling_laws/`);
    /// - warm: the last trading date, the next night, in the same folder (the look-back read from the persisted laws);
    /// - static: the last trading date with the static calibration only (what a night cost before rolling categories).
    /// Also the forecasts (of every asset) each run made and `signals_rolling_warm_ratio` (warm ÷ static; target ≤ 1.25).
    /// One run each. Skipped without the real sample.
    static let signalsRolling = BenchSuite(name: "signals_rolling") {
        guard let real = realDataFolder() else {
            FileHandle.standardError.write(Data("bench signals_rolling: the real sample (../shared/data/real, MARKETGPT_REAL_DATA) not found; skipped\n".utf8))
            return []
        }
        setBLASThreads(2)
        let universe = try Universe.load(real.appendingPathComponent("universe.yaml"))
        let names = universe.categories.map(\.name)
        let category = names.contains("crypto") ? "crypto" : names[0]
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marketgpt-bench-rolling-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let checkpoints = scratch.appendingPathComponent("checkpoints")
        try writeReferenceCheckpoint(universe: universe, to: checkpoints)
        let staticCalibration = PredictiveCalibration(fittedOn: "bench", factors: Dictionary(uniqueKeysWithValues: names.map { ($0, [1.0]) }),
                                                      targets: [:])
        var rollingCalibration = staticCalibration
        rollingCalibration.rolling = [category: RollingCalibration(windowDays: 30, quantileMap: true, minimumTargets: 100)]
        guard let last = UniverseSession(definition: universe, dataDirectory: real).lastDataDay else { return [] }
        let nights = Array(UniverseSession(definition: universe, dataDirectory: real).tradingDates(from: last - 10, to: last).suffix(2))
        guard nights.count == 2 else { return [] }

        /// One nightly run of `date` into `out` with `calibration`: wall seconds and the forecasts it made.
        func night(_ date: DayNumber, _ calibration: PredictiveCalibration, out: URL) throws -> (seconds: Double, forecasts: Int) {
            let started = DispatchTime.now().uptimeNanoseconds
            let models = try SignalModelSet.load(directory: checkpoints, categories: names)
            models.fallback?.calibration = calibration
            let job = SignalsJob(session: UniverseSession(definition: universe, dataDirectory: real, readUpTo: date), models: models,
                                 options: SignalRunOptions(samples: 20, seed: 0), gapFill: true)
            let (records, _) = try job.runNightly(date: date, out: out)
            precondition(records.count == universe.assetCount, "bench signals_rolling: one row per asset")
            return (Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, job.rawForecastsMade)
        }
        let rollingOut = scratch.appendingPathComponent("rolling")
        let cold = try night(nights[0], rollingCalibration, out: rollingOut)
        let warm = try night(nights[1], rollingCalibration, out: rollingOut)
        let plain = try night(nights[1], staticCalibration, out: scratch.appendingPathComponent("static"))
        return [
            BenchFigure(name: "signals_rolling_cold_s", value: cold.seconds, unit: "s",
                        target: "(empty folder: \(category)'s 30-day window: 52 days of look-back forecast, 213 real assets x 20 passes)"),
            BenchFigure(name: "signals_rolling_warm_s", value: warm.seconds, unit: "s", target: "<= 1.25 x static (laws of earlier nights read)"),
            BenchFigure(name: "signals_rolling_static_s", value: plain.seconds, unit: "s", target: "(static calibration only)"),
            BenchFigure(name: "signals_rolling_warm_ratio", value: warm.seconds / plain.seconds, unit: "x", target: "<= 1.25"),
            BenchFigure(name: "signals_rolling_cold_forecasts", value: Double(cold.forecasts), unit: "forecasts", target: "(look-back dates + 1)"),
            BenchFigure(name: "signals_rolling_warm_forecasts", value: Double(warm.forecasts), unit: "forecasts", target: "1"),
        ]
    }
}
