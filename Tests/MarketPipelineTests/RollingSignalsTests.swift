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
import MarketTestSupport

final class RollingSignalsTests: XCTestCase {
    /// A tiny random-weight model (T = 16, H = 3) knowing every asset of `universe`, with a static calibration of every
    /// category (factor 1.1) and, when `rolling`, a 30-day rolling variance scale for crypto.
    func model(_ universe: Universe, rolling: Bool) -> SignalModel {
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
                                url: URL(fileURLWithPath: "/tmp/in-memory.safetensors"))
        var calibration = PredictiveCalibration(fittedOn: "test", factors: Dictionary(uniqueKeysWithValues: table.categories.map { ($0, [1.1, 1.1, 1.1]) }),
                                                targets: [:])
        if rolling { calibration.rolling = ["crypto": RollingCalibration(windowDays: 30, quantileMap: false, minimumTargets: 30)] }
        model.calibration = calibration
        return model
    }

    func job(_ universe: Universe, data: URL, rolling: Bool) -> SignalsJob {
        SignalsJob(session: UniverseSession(definition: universe, dataDirectory: data), models: SignalModelSet(fallback: model(universe, rolling: rolling)),
                   options: SignalRunOptions(samples: 3, seed: 5), gapFill: true)
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
}
