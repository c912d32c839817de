// A checkpoint's stored rolling recalibration in a signal run: the calibration as of a date reads nothing after it (canary:
// every bar after the date poisoned → that date's signal file byte-identical), it changes the category's forecasts, and a
// history run (the backtest's signal history) gives each date the bytes of a nightly run of that date.
import XCTest
import MarketData
import MarketModel
@testable import MarketPipeline
import MarketSignals
import MarketSupport
import MarketSynthetic
import MarketTensor
import MarketTestSupport

final class RollingSignalsTests: XCTestCase {
    /// A tiny random-weight model (T = 16, H = 3) knowing every asset of `universe`, with a static calibration of every
    /// category (factor 1.1) and, when `rolling`, a 30-day rolling variance scale for crypto; `members` > 1: a deep ensemble.
    func model(_ universe: Universe, rolling: Bool, members: Int = 1, quantileMap: Bool = false) -> SignalModel {
        var config = ModelConfig()
        config.contextLength = 16; config.featureCount = MarketFeatures.count; config.width = 16; config.layers = 1
        config.heads = 2; config.mlpRatio = 2; config.horizon = 3; config.assetCount = universe.assetCount
        config.categoryCount = universe.categories.count; config.dropout = 0.1
        let table = EmbeddingIDTable(universe: universe)
        var normalizer = FeatureNormalizer()
        for id in 0..<universe.assetCount {
            normalizer.mean[id] = [Float](repeating: 0, count: MarketFeatures.count)
            normalizer.std[id] = [0.02, 0.01, 0.01, 0.01, 0.3, 0.01, 1]
        }
        let model = SignalModel(model: MarketGPT(config: config, seed: 5), normalizer: normalizer, idTable: table,
                                url: URL(fileURLWithPath: "/tmp/in-memory.safetensors"),
                                otherMembers: (1..<members).map { MarketGPT(config: config, seed: 5 + UInt64($0)) })
        var calibration = PredictiveCalibration(fittedOn: "test", factors: Dictionary(uniqueKeysWithValues: table.categories.map { ($0, [1.1, 1.1, 1.1]) }),
                                                targets: [:])
        if rolling { calibration.rolling = ["crypto": RollingCalibration(windowDays: 30, quantileMap: quantileMap, minimumTargets: 30)] }
        model.calibration = calibration
        return model
    }

    func job(_ universe: Universe, data: URL, rolling: Bool, members: Int = 1, samples: Int = 3, dropout: DropoutMode = .monteCarlo,
             quantileMap: Bool = false) -> SignalsJob {
        var options = SignalRunOptions(samples: samples, seed: 5)
        options.dropout = dropout
        return SignalsJob(session: UniverseSession(definition: universe, dataDirectory: data),
                          models: SignalModelSet(fallback: model(universe, rolling: rolling, members: members, quantileMap: quantileMap)), options: options, gapFill: true)
    }

    /// A copy of `folder` whose every bar dated after `day` has its prices multiplied by 3 on every other row.
    func poisoned(_ folder: URL, after day: DayNumber) throws -> (URL, Int) {
        let copy = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + "-poisoned")
        try FileManager.default.copyItem(at: folder, to: copy)
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        var changed = 0
        for file in FileManager.default.enumerator(at: copy, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL }) where file.pathExtension == "csv" {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let header = lines.first?.lowercased().split(separator: ",").map(String.init) else { continue }
            let prices = Set(["open", "high", "low", "close"].compactMap { header.firstIndex(of: $0) })
            let out = lines.enumerated().map { row, line -> String in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard row > 0, row % 2 == 0, let date = fields.first.flatMap(CivilDate.parseISO), date > day else { return line }
                for k in prices where k < fields.count { fields[k] = Double(fields[k]).map { String($0 * 3) } ?? fields[k] }
                changed += 1
                return fields.joined(separator: ",")
            }
            try out.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        return (copy, changed)
    }

    func testRollingCalibrationAsOfADateReadsNothingAfterItAndChangesOnlyItsCategory() throws {
        let folder = try temporaryDirectory(self, prefix: "rolling-signals")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        _ = try generator.write(to: folder)
        let clean = job(universe, data: folder, rolling: true)
        let dates = clean.tradingDates(from: generator.endDate - 80, to: generator.endDate - 60)
        let date = try XCTUnwrap(dates.last)
        let rows = try clean.records(date: date)
        // The calibration as of the date was refitted on realised targets (not the fallback) and changes crypto only.
        let asOf = try XCTUnwrap(try clean.rollingCalibrations(date: date, current: clean.assets(asOf: date))["crypto"])
        XCTAssertTrue(asOf.fittedOn.contains("3 of 3 steps refitted"), asOf.fittedOn)
        XCTAssertNotEqual(asOf.factor(category: "crypto", step: 0), 1.1)
        XCTAssertEqual(asOf.factor(category: "us_stocks", step: 0), 1.1, "other categories keep the static calibration")
        let plain = try job(universe, data: folder, rolling: false).records(date: date)
        for (a, b) in zip(rows, plain) {
            if a.category == "crypto" && !a.predStd.isEmpty { XCTAssertNotEqual(a.predStd, b.predStd, a.ticker) } else {
                XCTAssertEqual(SignalFile.csvText([a]), SignalFile.csvText([b]), a.ticker)
            }
        }
        XCTAssertTrue(rows.contains { $0.category == "crypto" && !$0.predStd.isEmpty })
        // Canary: every bar after the date poisoned → the date's signal file is the same bytes.
        let (poisonedFolder, changed) = try poisoned(folder, after: date)
        XCTAssertGreaterThan(changed, 100)
        let poisonedJob = job(universe, data: poisonedFolder, rolling: true)
        XCTAssertEqual(SignalFile.csvText(try poisonedJob.records(date: date)), SignalFile.csvText(rows))
        // The canary can fail: a later date's calibration reads the poisoned bars.
        let later = try XCTUnwrap(clean.tradingDates(from: date + 20, to: generator.endDate).first)
        XCTAssertNotEqual(try clean.rollingCalibrations(date: later, current: clean.assets(asOf: later))["crypto"]?.factors["crypto"],
                          try poisonedJob.rollingCalibrations(date: later, current: poisonedJob.assets(asOf: later))["crypto"]?.factors["crypto"])
        // A history run (one cache for every date) gives the date the bytes of the nightly run above.
        let history = try job(universe, data: folder, rolling: true).runDates(Array(dates.suffix(3)), out: folder.appendingPathComponent("signals"))
        XCTAssertEqual(SignalFile.csvText(try XCTUnwrap(history.last)), SignalFile.csvText(rows))
    }

    /// A deep ensemble (K = 2) × S = 3 MC passes: its rolling recalibration is fitted on the run's own mixture laws (not a single
    /// `.eval` pass), changes its category's signals, and reads nothing after the date (canary, byte-identical file).
    func testAnEnsembleMixtureIsRecalibratedFromItsOwnPastLawsAsOfTheDate() throws {
        let folder = try temporaryDirectory(self, prefix: "rolling-ensemble")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        _ = try generator.write(to: folder)
        let ensemble = job(universe, data: folder, rolling: true, members: 2, quantileMap: true)
        let date = try XCTUnwrap(ensemble.tradingDates(from: generator.endDate - 80, to: generator.endDate - 60).last)
        let rows = try ensemble.records(date: date)
        let mixture = try XCTUnwrap(try ensemble.rollingCalibrations(date: date, current: ensemble.assets(asOf: date))["crypto"])
        XCTAssertTrue(mixture.fittedOn.contains("3 of 3 steps refitted"), mixture.fittedOn)
        // The same checkpoint's single `.eval` pass gives another fit (scale + PIT map): the mixture's events are its own laws.
        let single = job(universe, data: folder, rolling: true, members: 2, samples: 1, dropout: .eval, quantileMap: true)
        let singleFit = try XCTUnwrap(try single.rollingCalibrations(date: date, current: single.assets(asOf: date))["crypto"])
        XCTAssertNotNil(mixture.map(category: "crypto", step: 0))
        XCTAssertNotEqual(try singleFit.jsonString(), try mixture.jsonString())
        // The mixture's signals are recalibrated: crypto's differ from the static calibration's, the rest do not.
        let plain = try job(universe, data: folder, rolling: false, members: 2).records(date: date)
        XCTAssertTrue(rows.contains { $0.category == "crypto" && !$0.predStd.isEmpty })
        for (a, b) in zip(rows, plain) {
            if a.category == "crypto" && !a.predStd.isEmpty { XCTAssertNotEqual(a.predStd, b.predStd, a.ticker) } else {
                XCTAssertEqual(SignalFile.csvText([a]), SignalFile.csvText([b]), a.ticker)
            }
        }
        // Canary: every bar after the date poisoned → the date's signal file is the same bytes.
        let (poisonedFolder, changed) = try poisoned(folder, after: date)
        XCTAssertGreaterThan(changed, 100)
        XCTAssertEqual(SignalFile.csvText(try job(universe, data: poisonedFolder, rolling: true, members: 2, quantileMap: true).records(date: date)), SignalFile.csvText(rows))
        // One forward pass per date: `records` caches the date's raw laws (the events later dates read), and a history run,
        // which reuses them instead of forecasting each origin again, gives every date the bytes of a fresh nightly run.
        XCTAssertNotNil(ensemble.rollingCache.get(date))
        let later = Array(ensemble.tradingDates(from: date - 2, to: date + 3))
        XCTAssertGreaterThan(later.count, 2)
        let history = try job(universe, data: folder, rolling: true, members: 2, quantileMap: true).runDates(later, out: folder.appendingPathComponent("history"))
        for (day, rows) in zip(later, history) {
            let nightly = try job(universe, data: folder, rolling: true, members: 2, quantileMap: true).records(date: day)
            XCTAssertEqual(SignalFile.csvText(rows), SignalFile.csvText(nightly), CivilDate.isoString(day))
        }
    }
}
