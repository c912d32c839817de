// A checkpoint's stored rolling recalibration in a signal run: the calibration as of a date reads nothing after it (canary:
// every bar after the date poisoned → that date's signal file byte-identical), it changes the category's forecasts, and a
// history run (the backtest's signal history) gives each date the bytes of a nightly run of that date; calibrate-signals fits
// a rolling category on the forecasts the nightly run of each date applies (canary as well); a nightly run reads the laws
// earlier nights persisted (one forecast, the same bytes, nothing stale).
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
    func model(_ universe: Universe, rolling: Bool, members: Int = 1, quantileMap: Bool = false, metadata: [String: String] = [:]) -> SignalModel {
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
                                url: URL(fileURLWithPath: "/tmp/in-memory.safetensors"), metadata: metadata,
                                otherMembers: (1..<members).map { MarketGPT(config: config, seed: 5 + UInt64($0)) })
        var calibration = PredictiveCalibration(fittedOn: "test", factors: Dictionary(uniqueKeysWithValues: table.categories.map { ($0, [1.1, 1.1, 1.1]) }),
                                                targets: [:])
        if rolling { calibration.rolling = ["crypto": RollingCalibration(windowDays: 30, quantileMap: quantileMap, minimumTargets: 30)] }
        model.calibration = calibration
        return model
    }

    func job(_ universe: Universe, data: URL, rolling: Bool, members: Int = 1, samples: Int = 3, dropout: DropoutMode = .monteCarlo,
             quantileMap: Bool = false, metadata: [String: String] = [:], seed: UInt64 = 5) -> SignalsJob {
        var options = SignalRunOptions(samples: samples, seed: seed)
        options.dropout = dropout
        return SignalsJob(session: UniverseSession(definition: universe, dataDirectory: data),
                          models: SignalModelSet(fallback: model(universe, rolling: rolling, members: members, quantileMap: quantileMap, metadata: metadata)), options: options, gapFill: true)
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

    /// The cells of `panel` for its dates `range` as bit patterns (NaN = a cell the base rule holds), comparable byte for byte.
    func cells(_ panel: SignalRulePanel?, dates range: Range<Int>? = nil) -> [UInt64] {
        guard let panel else { return [] }
        let width = panel.tickers.count * panel.horizon, rows = range ?? 0..<panel.dates.count
        return rows.flatMap { d in (d * width..<(d + 1) * width).flatMap { [panel.expectedReturn[$0].bitPattern, panel.confidence[$0].bitPattern,
                                                                            panel.epistemicStd[$0].bitPattern] } }
    }

    /// calibrate-signals with a checkpoint whose crypto calibration is rolling: crypto's panel holds, date by date, the
    /// forecasts the nightly `signals` run of that date applies (the calibration as of the date — not the static one; the test
    /// fails if the static calibration is used), the other categories keep the static path's bytes, and poisoning every bar
    /// after a date leaves the cells of that date and every earlier one byte-identical (canary with teeth: later cells change).
    func testCalibrateSignalsFitsARollingCategoryOnTheCalibrationTheNightlyRunAppliesAsOfEachDate() throws {
        let folder = try temporaryDirectory(self, prefix: "rolling-calibrate")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        _ = try generator.write(to: folder)
        let end = generator.endDate
        let metadata = ["split.validation_start": CivilDate.isoString(end - 60), "split.test_start": CivilDate.isoString(end - 30)]
        var options = SignalCalibrationOptions()
        options.samples = 3; options.seed = 5
        let base = SignalRule(confidenceThreshold: 0, minReturn: 0, horizon: 1, maxStaleDays: 5)
        func panels(_ data: URL, rolling: Bool) throws -> SignalCalibrationPanels {
            let periods = Dictionary(uniqueKeysWithValues: universe.categories.map { ($0.name, SignalCalibration.validationPeriod(metadata: metadata, category: $0.name)!) })
            return try SignalCalibrationPanels(model: model(universe, rolling: rolling, metadata: metadata),
                                               session: UniverseSession(definition: universe, dataDirectory: data, readUpTo: end - 31),
                                               periods: periods, options: options, base: base, log: { _ in })
        }
        /// Crypto's panel filled with `job`'s forecasts of each date (what its nightly run applies).
        func nightlyPanel(_ job: SignalsJob, like panel: SignalRulePanel) throws -> SignalRulePanel {
            var out = SignalRulePanel(dates: panel.dates, tickers: panel.tickers, horizon: panel.horizon)
            for (d, date) in panel.dates.enumerated() {
                let scored = try job.forecasts(date: date)
                for (a, ticker) in panel.tickers.enumerated() {
                    out.record(date: d, asset: a, forecast: scored.forecasts[scored.assets.firstIndex { $0.ticker == ticker }!], base: base)
                }
            }
            return out
        }
        let withRolling = try panels(folder, rolling: true), staticOnly = try panels(folder, rolling: false)
        XCTAssertEqual(withRolling.rolling, ["crypto"])
        XCTAssertEqual(staticOnly.rolling, [])
        XCTAssertEqual(withRolling.names, staticOnly.names)
        for name in withRolling.names where name != "crypto" {
            XCTAssertEqual(cells(withRolling.panels[name]), cells(staticOnly.panels[name]), "\(name) keeps the static path's bytes")
        }
        let crypto = try XCTUnwrap(withRolling.panels["crypto"])
        XCTAssertGreaterThan(crypto.dates.count, 20)
        XCTAssertGreaterThan(crypto.confidence.filter(\.isFinite).count, 50)
        let nightly = try nightlyPanel(job(universe, data: folder, rolling: true, metadata: metadata), like: crypto)
        XCTAssertEqual(cells(crypto), cells(nightly), "crypto's cells are the nightly run's forecasts of each date")
        let staticNightly = try nightlyPanel(job(universe, data: folder, rolling: false, metadata: metadata), like: crypto)
        XCTAssertNotEqual(cells(crypto), cells(staticNightly), "the static calibration is not what crypto is fitted on")
        // Canary: every bar after a date in the period poisoned → that date's and every earlier date's cells byte-identical.
        let k = crypto.dates.count / 2
        let (poisonedFolder, changed) = try poisoned(folder, after: crypto.dates[k])
        XCTAssertGreaterThan(changed, 100)
        let poisonedCrypto = try XCTUnwrap(try panels(poisonedFolder, rolling: true).panels["crypto"])
        XCTAssertEqual(poisonedCrypto.dates, crypto.dates)
        XCTAssertEqual(cells(poisonedCrypto, dates: 0..<(k + 1)), cells(crypto, dates: 0..<(k + 1)))
        XCTAssertNotEqual(cells(poisonedCrypto, dates: (k + 1)..<crypto.dates.count), cells(crypto, dates: (k + 1)..<crypto.dates.count),
                          "the canary can fail: later dates read the poisoned bars")
    }

    /// A nightly run of a rolling category reads the raw laws earlier nights persisted beside the signal files
    /// (`rolling_laws/`): it pays one forecast (its own date's) and writes the bytes of a run without them. Laws made from
    /// data revised since (a bar inside the look-back window: the origins on or after it) or with another seed (every origin)
    /// are never served — they are recomputed and the file is again the bytes of a fresh run — and the files are what is
    /// read (a tampered file with a valid key changes the output: the test can fail).
    func testANightlyRunReadsThePersistedLawsOfEarlierNightsAndWritesTheSameBytes() throws {
        let folder = try temporaryDirectory(self, prefix: "rolling-store")
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        let data = folder.appendingPathComponent("data"), out = folder.appendingPathComponent("signals")
        _ = try generator.write(to: data)
        let dates = job(universe, data: data, rolling: true).tradingDates(from: generator.endDate - 80, to: generator.endDate - 60)
        let (night1, night2) = (dates[dates.count - 2], dates[dates.count - 1])
        func csv(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
        /// A run without any store: its rows and how many forecasts it made.
        func fresh(_ data: URL, seed: UInt64 = 5) throws -> (text: String, forecasts: Int) {
            let plain = job(universe, data: data, rolling: true, seed: seed)
            let rows = try plain.records(date: night2)
            return (SignalFile.csvText(rows), plain.rollingCache.forecastsMade)
        }

        // Night 1, cold: every origin of its look-back window forecast once and persisted, and its own date.
        let cold = job(universe, data: data, rolling: true)
        _ = try cold.runNightly(date: night1, out: out)
        let store = out.appendingPathComponent(RollingLawStore.folderName)
        let files = try FileManager.default.contentsOfDirectory(atPath: store.path).filter { $0.hasSuffix(".laws") }
        XCTAssertGreaterThan(cold.rollingCache.forecastsMade, 20)
        XCTAssertEqual(files.count, cold.rollingCache.forecastsMade)
        let own = try XCTUnwrap(cold.rollingCache.get(night1))
        XCTAssertFalse(own.isEmpty)
        XCTAssertTrue(own.keys.allSatisfy { ticker in universe.assets.contains { $0.asset.ticker == ticker && universe.categories[$0.categoryID].name == "crypto" } },
                      "only the rolling category's laws are kept")
        XCTAssertEqual(try cold.rollingCache.store?.laws(day: night1), own, "a law read back is the law computed")

        // Night 2, warm: one forecast, the bytes of a run without the store.
        let clean = try fresh(data)
        XCTAssertGreaterThan(clean.forecasts, 20)
        let warm = job(universe, data: data, rolling: true)
        XCTAssertEqual(try csv(try warm.runNightly(date: night2, out: out).csv), clean.text)
        XCTAssertEqual(warm.rollingCache.forecastsMade, 1, "a nightly run pays one forecast")

        // Data revised inside the window (every crypto close of night2 − 10 × 1.5): nothing stale is served.
        let revised = folder.appendingPathComponent("revised")
        try FileManager.default.copyItem(at: data, to: revised)
        var edits = 0
        for file in FileManager.default.enumerator(at: revised, includingPropertiesForKeys: nil)!.compactMap({ $0 as? URL })
        where file.pathExtension == "csv" && file.deletingLastPathComponent().lastPathComponent == "crypto" {
            let lines = try csv(file).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let header = lines[0].lowercased().split(separator: ",").map(String.init)
            let close = try XCTUnwrap(header.firstIndex(of: "close")), high = try XCTUnwrap(header.firstIndex(of: "high"))
            let text = lines.map { line -> String in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.first.flatMap(CivilDate.parseISO) == night2 - 10, let value = Double(fields[close]) else { return line }
                fields[close] = String(value * 1.5); fields[high] = String(max(Double(fields[high]) ?? 0, value * 1.5))
                edits += 1
                return fields.joined(separator: ",")
            }
            try text.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        XCTAssertGreaterThan(edits, 0)
        let revisedClean = try fresh(revised)
        XCTAssertNotEqual(revisedClean.text, clean.text, "the revision changes the run")
        let afterRevision = job(universe, data: revised, rolling: true)
        XCTAssertEqual(try csv(try afterRevision.runNightly(date: night2, out: out).csv), revisedClean.text)
        XCTAssertEqual(afterRevision.rollingCache.forecastsMade, afterRevision.tradingDates(from: night2 - 10, to: night2 - 1).count + 1,
                       "the origins on or after the revised bar are recomputed, the earlier ones (same bars) read")

        // Another seed: recomputed too.
        let seed6 = try fresh(revised, seed: 6)
        let otherSeed = job(universe, data: revised, rolling: true, seed: 6)
        XCTAssertEqual(try csv(try otherSeed.runNightly(date: night2, out: out).csv), seed6.text)
        XCTAssertEqual(otherSeed.rollingCache.forecastsMade, seed6.forecasts)

        // The files are what a warm run reads: one origin's scales × 10⁻⁴ in place (rewritten by the store: valid key and
        // checksum) → another output. The origin lies 10 trading dates back, so its H targets are realised by night 2 (the
        // random-weight model's scales are far too wide: its fitted factor sits at the lower clamp, which a shrink moves).
        let tampered = job(universe, data: revised, rolling: true, seed: 6)
        tampered.persistRollingLaws(beside: out)
        let origin = dates[dates.count - 11]
        let laws = try XCTUnwrap(try tampered.rollingCache.store?.laws(day: origin))
        try tampered.rollingCache.store?.write(day: origin, laws: laws.mapValues { $0.map { $0.scaled(by: 1e-4) } })
        XCTAssertNotEqual(try csv(try tampered.runNightly(date: night2, out: out).csv), seed6.text)
        XCTAssertEqual(tampered.rollingCache.forecastsMade, 1)
    }

    /// A nightly run leaves one look-back window of law files: after night 1 (cold) and a night ≈ 3 weeks later, exactly the
    /// origins that night and later ones can read are left (every file before its date minus `rollingLookBackDays` deleted,
    /// anything in the folder that is not an origin's law file kept), and its signals are the bytes of a run without a store.
    func testANightlyRunDeletesTheLawFilesNoLaterNightCanRead() throws {
        let (universe, data, out, dates) = try demo("rolling-prune")
        let night1 = dates[0]
        let probe = job(universe, data: data, rolling: true)
        let lookBack = try XCTUnwrap(probe.rollingLookBackDays)
        XCTAssertEqual(lookBack, 30 + 3 * 3 + 7)
        XCTAssertNil(job(universe, data: data, rolling: false).rollingLookBackDays)
        let night2 = try XCTUnwrap(probe.tradingDates(from: night1 + 21, to: night1 + 28).first)
        let store = out.appendingPathComponent(RollingLawStore.folderName)
        func origins() throws -> [DayNumber] {
            try FileManager.default.contentsOfDirectory(atPath: store.path).filter { $0.hasSuffix(".laws") }
                .compactMap { CivilDate.parseISO(String($0.dropLast(".laws".count))) }.sorted()
        }

        _ = try job(universe, data: data, rolling: true).runNightly(date: night1, out: out)
        let afterNight1 = try origins()
        XCTAssertEqual(afterNight1, probe.tradingDates(from: night1 - DayNumber(lookBack), to: night1))
        for stranger in ["notes.txt", "backup.laws"] { try Data("keep".utf8).write(to: store.appendingPathComponent(stranger)) }

        let fresh = SignalFile.csvText(try job(universe, data: data, rolling: true).records(date: night2))
        let warm = job(universe, data: data, rolling: true)
        XCTAssertEqual(try String(contentsOf: try warm.runNightly(date: night2, out: out).csv, encoding: .utf8), fresh)
        let cut = night2 - DayNumber(lookBack)
        XCTAssertEqual(try origins(), probe.tradingDates(from: cut, to: night2), "one look-back window and the night's own date")
        XCTAssertTrue(afterNight1.contains { $0 < cut }, "night 2 had files to delete")
        for stranger in ["notes.txt", "backup.laws"] { XCTAssertTrue(FileManager.default.fileExists(atPath: store.appendingPathComponent(stranger).path), stranger) }
        XCTAssertEqual(warm.rollingCache.forecastsMade, probe.tradingDates(from: night1 + 1, to: night2).count,
                       "the origins night 1 persisted inside night 2's window are read, not recomputed")
    }

    /// The demo universe written to `folder/data`, its signal folder `folder/signals` and the last trading dates of a
    /// mid-sample stretch (the night a test runs).
    func demo(_ prefix: String) throws -> (universe: Universe, data: URL, out: URL, dates: [DayNumber]) {
        let folder = try temporaryDirectory(self, prefix: prefix)
        let universe = try Universe.parse(yaml: EmbeddedDemoUniverse.yaml, file: "demo")
        let generator = DemoMarketGenerator(universe: universe, seed: 3)
        let data = folder.appendingPathComponent("data")
        _ = try generator.write(to: data)
        let dates = job(universe, data: data, rolling: true).tradingDates(from: generator.endDate - 80, to: generator.endDate - 60)
        return (universe, data, folder.appendingPathComponent("signals"), dates)
    }

    /// A persisted law file that is not what the store wrote is a one-line error naming the file and the reason — a flipped
    /// byte (checksum), a truncated file, a file of another kind, a crafted file with a valid checksum claiming 2³¹ members
    /// (refused before anything is allocated) — never served, never a crash. A file of an older format version is stale:
    /// recomputed and replaced by the bytes a fresh run writes.
    func testADamagedLawFileIsAOneLineErrorNamingItAndAnOlderFormatIsRecomputed() throws {
        let (universe, data, out, dates) = try demo("rolling-damage")
        let night = try XCTUnwrap(dates.last), origin = dates[dates.count - 2]
        let fresh = SignalFile.csvText(try job(universe, data: data, rolling: true).records(date: night))
        _ = try job(universe, data: data, rolling: true).runNightly(date: night, out: out)
        let reader = job(universe, data: data, rolling: true)
        reader.persistRollingLaws(beside: out)
        let store = try XCTUnwrap(reader.rollingCache.store)
        let file = store.url(day: origin)
        let original = try Data(contentsOf: file)
        XCTAssertNotNil(try store.laws(day: origin))

        /// The error of a nightly run reading `bytes` as the origin's file.
        func failure(_ bytes: Data) throws -> String {
            try bytes.write(to: file)
            do {
                _ = try job(universe, data: data, rolling: true).runNightly(date: night, out: out)
                XCTFail("a damaged file was served")
                return ""
            } catch let error as PipelineError {
                XCTAssertTrue(error.description.hasPrefix(file.path + ": not a valid rolling-law file ("), error.description)
                XCTAssertFalse(error.description.contains("\n"), error.description)
                return error.description
            }
        }
        var flipped = original
        flipped[flipped.count / 2] ^= 0x10
        XCTAssertTrue(try failure(flipped).contains("checksum mismatch"))
        XCTAssertTrue(try failure(original.prefix(30)).contains("truncated"))
        XCTAssertTrue(try failure(Data("date,open,high,low,close,volume\n".utf8)).contains("does not start with"))
        // A crafted file with a valid checksum, this run's key and day, and one crypto asset claiming 2^31 members.
        let ticker = try XCTUnwrap(universe.categories.first { $0.name == "crypto" }?.assets.first?.ticker)
        var body = Data(RollingLawStore.format.utf8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { body.append(contentsOf: $0) } }
        put(store.key(day: origin)); put(Int64(origin)); put(UInt32(1))
        put(UInt16(ticker.utf8.count)); body.append(contentsOf: Array(ticker.utf8)); put(UInt16(3))
        put(Double.infinity.bitPattern); put(UInt32(1) << 31)
        XCTAssertTrue(try failure(RollingLawStore.sealed(body)).contains("2147483648 members"))

        // An older format version: stale, recomputed (one forecast for it, one for the night), replaced bit for bit.
        var older = original
        let version = RollingLawStore.format.utf8.count - 2
        older[version] = older[version] == UInt8(ascii: "1") ? UInt8(ascii: "0") : UInt8(ascii: "1")
        try older.write(to: file)
        let rerun = job(universe, data: data, rolling: true)
        XCTAssertEqual(try String(contentsOf: try rerun.runNightly(date: night, out: out).csv, encoding: .utf8), fresh)
        XCTAssertEqual(rerun.rollingCache.forecastsMade, 2)
        XCTAssertEqual(try Data(contentsOf: file), original)
    }

    /// Canary (no look-ahead through the store): a history run of nights 1 and 2 on data whose every bar after night 1 is
    /// poisoned persists their look-back; a clean run of night 1 in the same folder is served every origin before night 1 (their key pins
    /// only the bars up to each origin, and those are clean) and writes the bytes of a fresh clean run — so the persisted laws
    /// saw nothing after their origin. The canary can fail: the poisoned laws after night 1 differ, and a clean run of the
    /// later night recomputes exactly those origins.
    func testLawsPersistedWithTheFuturePoisonedAreTheLawsOfTheBarsUpToTheirOrigin() throws {
        let (universe, data, out, dates) = try demo("rolling-canary")
        let night1 = dates[dates.count - 6], night2 = try XCTUnwrap(dates.last)
        let (poisonedData, changed) = try poisoned(data, after: night1)
        XCTAssertGreaterThan(changed, 100)
        // The poisoned run: a history run of nights 1 and 2 (persisting both look-back windows) in a session holding the poison.
        let poisonedRun = job(universe, data: poisonedData, rolling: true)
        let poisonedNight2 = SignalFile.csvText(try XCTUnwrap(try poisonedRun.runDates([night1, night2], out: out).last))
        XCTAssertGreaterThan(poisonedRun.rollingCache.forecastsMade, 20)

        let clean1 = job(universe, data: data, rolling: true)
        XCTAssertEqual(try String(contentsOf: try clean1.runNightly(date: night1, out: out).csv, encoding: .utf8),
                       SignalFile.csvText(try job(universe, data: data, rolling: true).records(date: night1)))
        XCTAssertEqual(clean1.rollingCache.forecastsMade, 1, "every origin before night 1 was served from the poisoned run's files")

        let clean2 = job(universe, data: data, rolling: true)
        let fresh2 = SignalFile.csvText(try job(universe, data: data, rolling: true).records(date: night2))
        XCTAssertNotEqual(poisonedNight2, fresh2, "the poison reaches the later night")
        XCTAssertEqual(try String(contentsOf: try clean2.runNightly(date: night2, out: out).csv, encoding: .utf8), fresh2)
        XCTAssertEqual(clean2.rollingCache.forecastsMade, clean2.tradingDates(from: night1 + 1, to: night2 - 1).count + 1,
                       "the poisoned origins after night 1 are recomputed, none before")
    }
}
