// Indicators: look-ahead canary, warm-up masks, zero-volume masks, feature sets and the normaliser's handling of masks.
import XCTest
@testable import MarketData
import MarketSupport

final class IndicatorTests: XCTestCase {
    /// Bit patterns, so NaN == NaN and any change of a single bit fails.
    private func bits(_ x: ArraySlice<Float>) -> [UInt32] { x.map(\.bitPattern) }

    func testPoisoningLaterBarsNeverChangesEarlierIndicators() {
        let series = testSeries(bars: 400, seed: 7)
        let width = IndicatorCatalog.count
        let clean = TechnicalIndicators.compute(series)
        for cut in [0, 1, 13, 27, 33, 60, 250, 398] {
            var poisoned = series
            for t in (cut + 1)..<series.count {
                poisoned.close[t] *= t % 2 == 0 ? 50 : 0.02
                poisoned.high[t] = poisoned.close[t] * 3
                poisoned.low[t] = poisoned.close[t] / 3
                poisoned.volume[t] = t % 3 == 0 ? 0 : 1e12
            }
            let dirty = TechnicalIndicators.compute(poisoned)
            XCTAssertEqual(bits(clean[0..<((cut + 1) * width)]), bits(dirty[0..<((cut + 1) * width)]), "bars ≤ \(cut) changed")
            if cut < 300 { XCTAssertNotEqual(bits(clean[((cut + 1) * width)...]), bits(dirty[((cut + 1) * width)...]), "the poison must matter") }
            // The same holds through a feature set (base features + indicators).
            let set = FeatureSet.everything
            XCTAssertEqual(bits(set.compute(series)[0..<((cut + 1) * set.count)]), bits(set.compute(poisoned)[0..<((cut + 1) * set.count)]))
        }
    }

    func testWarmUpBarsAreMaskedAndDefinedAfterwards() {
        let series = testSeries(bars: 120, seed: 3)
        let width = IndicatorCatalog.count
        var allVolume = series
        allVolume.volume = series.volume.map { _ in 1000 + Double.random(in: 0..<10, using: &FixedGenerator.shared) }
        let x = TechnicalIndicators.compute(allVolume)
        for (column, definition) in IndicatorCatalog.all.enumerated() {
            for t in 0..<definition.warmUpBars { XCTAssertTrue(x[t * width + column].isNaN, "\(definition.name) bar \(t)") }
            for t in definition.warmUpBars..<series.count { XCTAssertTrue(x[t * width + column].isFinite, "\(definition.name) bar \(t) = \(x[t * width + column])") }
        }
    }

    func testZeroVolumeBarsMaskVolumeFeaturesOnly() {
        let series = testSeries(bars: 200, seed: 11)   // about 10% zero-volume bars
        let width = IndicatorCatalog.count
        let x = TechnicalIndicators.compute(series)
        var checked = 0
        for t in 60..<series.count where series.volume[t] == 0 {
            for (column, definition) in IndicatorCatalog.all.enumerated() {
                XCTAssertEqual(x[t * width + column].isNaN, definition.usesVolume, "\(definition.name) at a zero-volume bar \(t)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
    }

    func testKnownValuesOnAShortSeries() {
        // Closes 1…30: SMA5 at bar 4 = 3, ROC10 at bar 10 = 11/1 − 1, RSI = 1 (only gains), %K = (C − LL)/(HH − LL).
        let closes = (1...30).map(Double.init)
        let series = OHLCVSeries(dates: (0..<30).map { DayNumber($0) }, open: closes, high: closes.map { $0 + 0.5 },
                                 low: closes.map { $0 - 0.5 }, close: closes, volume: closes.map { $0 * 10 })
        let x = TechnicalIndicators.compute(series)
        let w = IndicatorCatalog.count
        func value(_ c: IndicatorCatalog.Column, _ t: Int) -> Float { x[t * w + c.rawValue] }
        XCTAssertEqual(value(.sma5, 4), Float(5.0 / 3 - 1), accuracy: 1e-6)
        XCTAssertEqual(value(.roc10, 10), 10, accuracy: 1e-6)
        XCTAssertEqual(value(.rsi14, 20), 1, accuracy: 1e-6)
        XCTAssertEqual(value(.stochasticK14, 20), Float((21 - 7.5) / (21.5 - 7.5)), accuracy: 1e-6)
        XCTAssertEqual(value(.highLowRange, 0), 1, accuracy: 1e-6)
        XCTAssertEqual(value(.return5, 10), Float(log(11.0 / 6)), accuracy: 1e-6)
        XCTAssertEqual(value(.obv20, 25), 1, accuracy: 1e-6)      // every move up: all volume is buying
        XCTAssertEqual(value(.mfi14, 25), 1, accuracy: 1e-6)
        XCTAssertEqual(value(.trueRange, 5), 0.25, accuracy: 1e-6)   // max(6.5, 5) − min(5.5, 5) = 1.5, / 6
    }

    func testFeatureSetNamesAndStandardSetIsTheSevenBaseFeatures() throws {
        let series = testSeries(bars: 100, seed: 5)
        XCTAssertEqual(FeatureSet.standard.compute(series), MarketFeatures.compute(series))
        XCTAssertEqual(FeatureSet.standard.count, 7)
        XCTAssertEqual(FeatureSet.everything.count, 7 + IndicatorCatalog.count)
        XCTAssertGreaterThanOrEqual(IndicatorCatalog.count, 25)
        let set = try FeatureSet(names: ["rsi_14", "log_return", "synthetic", "macd_hist"])
        XCTAssertEqual(set.unscaledIndices, [2])
        XCTAssertEqual(set.warmUpBars, 33)
        let x = set.compute(series), all = TechnicalIndicators.compute(series), base = MarketFeatures.compute(series)
        for t in [0, 40, 99] {
            XCTAssertEqual(x[t * 4].bitPattern, all[t * IndicatorCatalog.count + IndicatorCatalog.Column.rsi14.rawValue].bitPattern)
            XCTAssertEqual(x[t * 4 + 1], base[t * 7])
            XCTAssertEqual(x[t * 4 + 3].bitPattern, all[t * IndicatorCatalog.count + IndicatorCatalog.Column.macdHist.rawValue].bitPattern)
        }
        XCTAssertThrowsError(try FeatureSet(names: ["rsi_15"])) { XCTAssertTrue(String(describing: $0).contains("unknown feature 'rsi_15'")) }
        XCTAssertThrowsError(try FeatureSet(names: ["rsi_14", "rsi_14"])) { XCTAssertTrue(String(describing: $0).contains("twice")) }
        XCTAssertThrowsError(try FeatureSet(names: []))
        XCTAssertEqual(Set(FeatureSet.catalog.map(\.name)).count, FeatureSet.catalog.count, "names are unique")
    }

    func testNormaliserSkipsMaskedValuesAndStoresTheFeatureSet() throws {
        let series = testSeries(bars: 300, seed: 9)
        let set = try FeatureSet(names: ["log_return", "sma_50", "volume_z_20", "synthetic"])
        let asset = AssetFeatures(assetID: 3, categoryID: 0, series: series, featureSet: set)
        var normalizer = FeatureNormalizer(features: set)
        normalizer.fit(asset, range: 0..<200)
        let mean = try XCTUnwrap(normalizer.mean[3])
        XCTAssertTrue(mean.allSatisfy(\.isFinite), "masked values are left out of the fit: \(mean)")
        var expected = 0.0, n = 0
        for t in 49..<200 { expected += Double(asset.features[t * 4 + 1]); n += 1 }
        XCTAssertEqual(mean[1], Float(expected / Double(n)), accuracy: 1e-6)
        var out = [Float](repeating: .nan, count: 300 * 4)
        out.withUnsafeMutableBufferPointer { normalizer.normalize(asset, bars: 0..<300, into: $0.baseAddress!) }
        XCTAssertTrue(out.allSatisfy(\.isFinite))
        XCTAssertEqual(out[10 * 4 + 1], 0, "a warm-up bar is the training mean (0)")
        // The set travels with the normaliser (checkpoint metadata); the standard set keeps the old bytes.
        let json = try normalizer.jsonString()
        XCTAssertTrue(json.contains("\"name\":\"sma_50\"") && json.contains("\"period\":50"), json)
        XCTAssertEqual(try FeatureNormalizer(jsonString: json), normalizer)
        var standard = FeatureNormalizer()
        standard.fit(AssetFeatures(assetID: 0, categoryID: 0, series: series), range: 0..<200)
        XCTAssertFalse(try standard.jsonString().contains("features"))
        XCTAssertEqual(try FeatureNormalizer(jsonString: standard.jsonString()).features, .standard)
        // A stored parameter that differs from this version's definition is an error, not a silent reinterpretation.
        let altered = json.replacingOccurrences(of: "\"period\":50", with: "\"period\":55")
        XCTAssertThrowsError(try FeatureNormalizer(jsonString: altered)) { XCTAssertTrue(String(describing: $0).contains("sma_50")) }
    }

    func testFeatureTableCSVLeavesMaskedCellsEmpty() throws {
        let series = testSeries(bars: 30, seed: 2)
        let csv = FeatureTable.csv(series: series, features: try FeatureSet(names: ["log_return", "sma_20"]))
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "Date,log_return,sma_20")
        XCTAssertEqual(lines.count, 31)
        XCTAssertTrue(lines[19].hasSuffix(","), String(lines[19]))          // bar 18: sma_20 masked
        XCTAssertFalse(lines[20].hasSuffix(","), String(lines[20]))         // bar 19: defined
        XCTAssertTrue(FeatureTable.catalogText().contains("adx_14"))
    }
}

/// A fixed-seed generator for test data.
struct FixedGenerator: RandomNumberGenerator {
    nonisolated(unsafe) static var shared = FixedGenerator()
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
