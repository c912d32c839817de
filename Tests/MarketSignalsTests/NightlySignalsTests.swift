// The nightly run on an in-memory tiny model: determinism, per-asset independence, no look-ahead, reasons.
import XCTest
import MarketData
import MarketModel
import MarketTensor
@testable import MarketSignals
import MarketSupport

final class NightlySignalsTests: XCTestCase {
    static let tickers = ["AAA", "BBB", "CCC", "DDD"]

    /// A tiny random-weight model (T=16, H=3) knowing `tickers` (two categories) with a unit normaliser.
    func signalModel(dropout: Float = 0.2) -> SignalModel {
        var config = ModelConfig()
        config.contextLength = 16; config.featureCount = MarketFeatures.count; config.width = 16; config.layers = 1
        config.heads = 2; config.mlpRatio = 2; config.horizon = 3; config.assetCount = 4; config.categoryCount = 2
        config.dropout = dropout; config.assetEmbeddingDropout = dropout
        let table = EmbeddingIDTable(assets: Self.tickers.enumerated().map { .init(ticker: $1, category: $0 % 2) },
                                     categories: ["stocks", "crypto"])
        var normalizer = FeatureNormalizer()
        for id in 0..<4 {
            normalizer.mean[id] = [Float](repeating: 0, count: MarketFeatures.count)
            normalizer.std[id] = [0.02, 0.01, 0.01, 0.01, 0.3, 0.01, 1]
        }
        return SignalModel(model: MarketGPT(config: config, seed: 11), normalizer: normalizer, idTable: table,
                           url: URL(fileURLWithPath: "/tmp/in-memory.safetensors"))
    }

    /// A weekday random walk of `bars` bars ending on `end` (seeded).
    func series(bars: Int, end: DayNumber, seed: UInt64) -> OHLCVSeries {
        var rng = RandomGenerator(seed: seed)
        var dates: [DayNumber] = []
        var day = end
        while dates.count < bars {
            if CivilDate.weekday(day) < 5 { dates.append(day) }
            day -= 1
        }
        dates.reverse()
        var close = 100.0
        var o: [Double] = [], h: [Double] = [], l: [Double] = [], c: [Double] = [], v: [Double] = []
        for _ in dates {
            let open = close * exp(Double(rng.nextNormal()) * 0.003)
            close = open * exp(Double(rng.nextNormal()) * 0.01)
            o.append(open); c.append(close)
            h.append(max(open, close) * 1.004); l.append(min(open, close) * 0.996); v.append(1000 + Double(rng.nextNormal()) * 10)
        }
        return OHLCVSeries(dates: dates, open: o, high: h, low: l, close: c, volume: v)
    }

    let date = CivilDate.dayNumber(year: 2024, month: 6, day: 14)   // a Friday

    func assets() -> [SignalAsset] {
        Self.tickers.enumerated().map { i, ticker in
            SignalAsset(ticker: ticker, category: i % 2 == 0 ? "stocks" : "crypto", series: series(bars: 80, end: date, seed: UInt64(i + 1)))
        }
    }

    func testSameSeedSameBytesAndAnotherSeedOtherDraws() throws {
        let models = SignalModelSet(fallback: signalModel())
        let rows = { (seed: UInt64) in
            try NightlySignals.records(date: self.date, assets: self.assets(), models: models,
                                       options: SignalRunOptions(samples: 8, seed: seed))
        }
        let a = try rows(7), b = try rows(7), c = try rows(8)
        XCTAssertEqual(SignalFile.csvText(a), SignalFile.csvText(b))
        XCTAssertNotEqual(SignalFile.csvText(a), SignalFile.csvText(c))
        XCTAssertEqual(a.count, 4)
        XCTAssertTrue(a.allSatisfy { $0.predMean.count == 3 && $0.epistemicStd > 0 && $0.confidence >= 0.5 && $0.confidence <= 1 })
    }

    func testRowsAreTheModelsBatchedPredictive() throws {
        let model = signalModel()
        let options = SignalRunOptions(samples: 6, seed: 3, rule: SignalRule(horizon: 2))
        let rows = try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(fallback: model), options: options)
        var features: [Float] = []
        for (i, asset) in assets().enumerated() {
            features += SignalWindow.features(series: asset.series!, last: 79, contextLength: 16, assetID: i, categoryID: i % 2,
                                              normalizer: model.normalizer)!
        }
        var rng = RandomGenerator(seed: NightlySignals.mcSeed(3, date: date, ticker: "AAA"))
        let p = model.parallel.predictive(Batch(batchSize: 4, featureCount: model.model.config.featureCount, inputs: features, assetIDs: [0, 1, 2, 3], categoryIDs: [0, 1, 0, 1]),
                                       samples: 6, rng: &rng)
        for b in 0..<4 {
            XCTAssertEqual(rows[b].expectedReturn, Double(p.mean[b * 3]) + Double(p.mean[b * 3 + 1]), accuracy: 1e-7)
            XCTAssertEqual(rows[b].epistemicStd, (Double(p.epistemic[b * 3]) + Double(p.epistemic[b * 3 + 1])).squareRoot(), accuracy: 1e-7)
            XCTAssertEqual(rows[b].predStd[2], Double(p.aleatoric[b * 3 + 2] + p.epistemic[b * 3 + 2]).squareRoot(), accuracy: 1e-6)
        }
    }

    /// The canary: every bar after the date replaced by garbage (absurd prices, synthetic flags) → same bytes.
    func testBarsAfterTheDateCannotChangeTheRow() throws {
        let models = SignalModelSet(fallback: signalModel())
        let options = SignalRunOptions(samples: 5, seed: 1)
        let early = CivilDate.dayNumber(year: 2024, month: 6, day: 7)
        let clean = try NightlySignals.records(date: early, assets: assets(), models: models, options: options)
        let poisoned = assets().map { asset -> SignalAsset in
            var s = asset.series!
            for t in s.dates.indices where s.dates[t] > early {
                s.open[t] = 1e9; s.high[t] = 2e9; s.low[t] = 1e-9; s.close[t] = Double(t) * 1e6; s.volume[t] = -5
                s.isSynthetic[t] = true
            }
            return SignalAsset(ticker: asset.ticker, category: asset.category, series: s)
        }
        let after = try NightlySignals.records(date: early, assets: poisoned, models: models, options: options)
        XCTAssertEqual(SignalFile.csvText(clean), SignalFile.csvText(after))
        XCTAssertEqual(clean[0].lastClose, assets()[0].series!.close[assets()[0].series!.lastIndex(onOrBefore: early)!])
    }

    func testWithoutDropoutThePassesAgreeAndEqualTheEvalForward() throws {
        let model = signalModel(dropout: 0)
        let row = try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(fallback: model),
                                             options: SignalRunOptions(samples: 4, seed: 9, rule: SignalRule(horizon: 2)))[1]
        XCTAssertEqual(row.epistemicStd, 0, accuracy: 1e-9)
        let window = SignalWindow.features(series: assets()[1].series!, last: 79, contextLength: 16, assetID: 1, categoryID: 1,
                                           normalizer: model.normalizer)!
        var rng = RandomGenerator(seed: 0)
        let out = Autograd.withoutRecording {
            model.model.forward(Batch(batchSize: 1, featureCount: model.model.config.featureCount, inputs: window, assetIDs: [1], categoryIDs: [1]), mode: .eval,
                                rng: &rng, lastPositionOnly: true)
        }
        XCTAssertEqual(row.predMean[0], Double(out.mean.data[0]), accuracy: 1e-6)
        XCTAssertEqual(row.expectedReturn, Double(out.mean.data[0] + out.mean.data[1]), accuracy: 1e-6)
        XCTAssertEqual(row.predStd[2], Double(exp(out.logVariance.data[2] / 2)), accuracy: 1e-5)
    }

    func testEveryAssetIsListedWithItsReason() throws {
        var inputs = assets()
        inputs.append(SignalAsset(ticker: "NOPE", category: "stocks", series: series(bars: 80, end: date, seed: 9)))   // unknown to the model
        inputs.append(SignalAsset(ticker: "EMPTY", category: "stocks", series: nil))
        inputs[1].series = series(bars: 10, end: date, seed: 2)                                                        // < T bars
        var stale = series(bars: 80, end: date - 20, seed: 3)
        inputs[2].series = stale
        stale = series(bars: 80, end: date, seed: 4)
        stale.isSynthetic[79] = true
        inputs[3].series = stale
        let rows = try NightlySignals.records(date: date, assets: inputs, models: SignalModelSet(fallback: signalModel()),
                                             options: SignalRunOptions(samples: 3))
        XCTAssertEqual(rows.map(\.ticker), inputs.map(\.ticker))
        XCTAssertTrue(rows[1].reason.hasPrefix(NightlySignals.Reason.shortHistory), rows[1].reason)
        XCTAssertTrue(rows[2].reason.hasPrefix(SignalRule.Reason.staleData), rows[2].reason)
        XCTAssertEqual(rows[3].reason, SignalRule.Reason.syntheticBar)
        // An asset the checkpoint has not seen is forecast zero-shot and flagged; the others are not.
        XCTAssertTrue(rows[4].zeroShot)
        XCTAssertFalse(rows[4].predMean.isEmpty)
        XCTAssertTrue(rows[4].confidence.isFinite)
        XCTAssertEqual(rows.filter(\.zeroShot).map(\.ticker), ["NOPE"])
        XCTAssertEqual(rows[5].reason, SignalRule.Reason.noData)
        XCTAssertTrue([1, 2, 3, 5].allSatisfy { rows[$0].signal == .hold })
        // Zero-shot = no asset embedding, normaliser fitted on its own bars up to the date: bars after it change nothing.
        var later = inputs
        let base = inputs[4].series!, future = series(bars: 120, end: date + 30, seed: 77)
        let after = future.dates.indices.filter { future.dates[$0] > date }
        later[4].series = OHLCVSeries(dates: base.dates + after.map { future.dates[$0] }, open: base.open + after.map { future.open[$0] * 5 },
                                      high: base.high + after.map { future.high[$0] * 5 }, low: base.low + after.map { future.low[$0] * 5 },
                                      close: base.close + after.map { future.close[$0] * 5 }, volume: base.volume + after.map { future.volume[$0] })
        let again = try NightlySignals.records(date: date, assets: later, models: SignalModelSet(fallback: signalModel()), options: SignalRunOptions(samples: 3))
        XCTAssertEqual(again[4], rows[4])
        // A category the checkpoint does not know is an error naming it.
        var alien = assets()
        alien.append(SignalAsset(ticker: "MARS1", category: "mars", series: series(bars: 80, end: date, seed: 5)))
        XCTAssertThrowsError(try NightlySignals.records(date: date, assets: alien, models: SignalModelSet(fallback: signalModel()),
                                                        options: SignalRunOptions(samples: 2))) { XCTAssertTrue("\($0)".contains("'mars'"), "\($0)") }
        let noModel = try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(byCategory: ["crypto": signalModel()], fallback: nil),
                                                 options: SignalRunOptions(samples: 2))
        XCTAssertEqual(noModel[0].reason, NightlySignals.Reason.noModel)
        XCTAssertNotEqual(noModel[1].reason, NightlySignals.Reason.noModel)
    }

    func testHorizonBeyondTheModelsIsAnError() {
        XCTAssertThrowsError(try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(fallback: signalModel()),
                                                        options: SignalRunOptions(samples: 2, rule: SignalRule(horizon: 4)))) { error in
            XCTAssertTrue(String(describing: error).contains("horizon 4"), "\(error)")
        }
    }

    func testCheckpointRoundTripAndDamagedFileIsAClearError() throws {
        let model = signalModel()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("signals-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.model.writeCheckpoint(to: url, metadata: [ModelCheckpoint.Key.idTable: model.idTable.jsonString(),
                                                            ModelCheckpoint.Key.normalizer: try model.normalizer.jsonString()])
        let loaded = try SignalModel.load(url)
        let options = SignalRunOptions(samples: 4, seed: 5)
        XCTAssertEqual(try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(fallback: model), options: options),
                       try NightlySignals.records(date: date, assets: assets(), models: SignalModelSet(fallback: loaded), options: options))
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: url)
        XCTAssertThrowsError(try SignalModel.load(url)) { error in
            XCTAssertTrue(String(describing: error).contains(url.path), "\(error)")
        }
        let set = try SignalModelSet.load(directory: url.deletingLastPathComponent().appendingPathComponent("nothing-\(UUID())"),
                                          categories: ["stocks"])
        XCTAssertTrue(set.isEmpty)
    }
}
