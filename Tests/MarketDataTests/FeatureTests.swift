// Features and the normaliser: known values, and look-ahead canaries (later bars change nothing before them).
import XCTest
@testable import MarketData
import MarketSupport

/// A seeded random-walk series for tests.
func testSeries(bars: Int, seed: UInt64, start: DayNumber = 10_000) -> OHLCVSeries {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var close = 100.0
    var o: [Double] = [], h: [Double] = [], l: [Double] = [], c: [Double] = [], v: [Double] = []
    for _ in 0..<bars {
        let open = close * exp((uniform() - 0.5) * 0.01)
        close = open * exp((uniform() - 0.5) * 0.04)
        o.append(open); c.append(close)
        h.append(max(open, close) * (1 + uniform() * 0.01)); l.append(min(open, close) * (1 - uniform() * 0.01))
        v.append(uniform() < 0.1 ? 0 : (uniform() * 1e6).rounded())
    }
    return OHLCVSeries(dates: (0..<bars).map { start + DayNumber($0) }, open: o, high: h, low: l, close: c, volume: v)
}

final class FeatureTests: XCTestCase {
    func testKnownValues() {
        let series = OHLCVSeries(dates: [0, 1, 2], open: [10, 11, 12], high: [11, 12, 13], low: [9, 10, 11],
                                 close: [10, 11.5, 12], volume: [0, 100, 0], isSynthetic: [false, false, true])
        let x = MarketFeatures.compute(series)
        let f = MarketFeatures.count
        XCTAssertEqual(f, 7)
        XCTAssertEqual(x.count, 3 * f)
        XCTAssertEqual(Array(x[0..<f]), [0, 0, Float(log(11.0 / 10)), Float(log(0.9)), 0, 0, 0])
        XCTAssertEqual(x[f + 0], Float(log(1.15)), accuracy: 1e-7)            // log return
        XCTAssertEqual(x[f + 1], Float(log(1.1)), accuracy: 1e-7)             // overnight gap
        XCTAssertEqual(x[f + 4], Float(log(101.0)), accuracy: 1e-6)           // volume 0 → 100
        XCTAssertEqual(x[f + 5], Float(log(1.15)), accuracy: 1e-7)            // vol over one return
        let r2 = log(12 / 11.5)
        XCTAssertEqual(x[2 * f + 5], Float(sqrt((log(1.15) * log(1.15) + r2 * r2) / 2)), accuracy: 1e-7)
        XCTAssertEqual(x[2 * f + 6], 1)
        XCTAssertTrue(x.allSatisfy(\.isFinite))
    }

    /// Canary: change every bar after `cut`; features before the cut and the fitted normaliser stay identical.
    func testNoLookAhead() {
        let series = testSeries(bars: 400, seed: 7)
        let cut = 250
        var changed = series
        for t in cut..<series.count {
            changed.close[t] *= 3; changed.open[t] *= 0.5; changed.high[t] *= 4; changed.low[t] *= 0.1
            changed.volume[t] = 1e12; changed.isSynthetic[t] = true
        }
        let a = AssetFeatures(assetID: 0, categoryID: 0, series: series)
        let b = AssetFeatures(assetID: 0, categoryID: 0, series: changed)
        let f = MarketFeatures.count
        XCTAssertEqual(Array(a.features[0..<(cut * f)]), Array(b.features[0..<(cut * f)]))
        XCTAssertNotEqual(Array(a.features[(cut * f)...]), Array(b.features[(cut * f)...]))   // the canary is alive
        var na = FeatureNormalizer(), nb = FeatureNormalizer()
        na.fit(a, range: 0..<cut)
        nb.fit(b, range: 0..<cut)
        XCTAssertEqual(na, nb)
        var fa = [Float](repeating: 0, count: cut * f), fb = fa
        na.normalize(a, bars: 0..<cut, into: &fa)
        nb.normalize(b, bars: 0..<cut, into: &fb)
        XCTAssertEqual(fa, fb)
        // And the fit itself moves when real bars inside the range change.
        var real = changed
        real.isSynthetic = Array(repeating: false, count: real.count)
        var nc = FeatureNormalizer()
        nc.fit(AssetFeatures(assetID: 0, categoryID: 0, series: real), range: 0..<(cut + 10))
        XCTAssertNotEqual(na, nc)
    }

    func testNormalizerStandardisesAndRoundTrips() throws {
        let asset = AssetFeatures(assetID: 3, categoryID: 1, series: testSeries(bars: 300, seed: 1))
        var normalizer = FeatureNormalizer()
        normalizer.fit(asset, range: 0..<300)
        var out = [Float](repeating: 0, count: 300 * 7)
        normalizer.normalize(asset, bars: 0..<300, into: &out)
        for k in 0..<6 {
            let column = stride(from: k, to: out.count, by: 7).map { Double(out[$0]) }
            let mean = column.reduce(0, +) / 300
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 300
            XCTAssertEqual(mean, 0, accuracy: 1e-4, "feature \(k)")
            XCTAssertEqual(variance, 1, accuracy: 1e-3, "feature \(k)")
        }
        let restored = try FeatureNormalizer(jsonString: normalizer.jsonString())
        XCTAssertEqual(restored, normalizer)
        // Stable bytes: many assets encode in id order whatever the dictionary order.
        var many = FeatureNormalizer()
        for id in (0..<50).reversed() { many.fit(AssetFeatures(assetID: id, categoryID: 0, series: testSeries(bars: 40, seed: UInt64(id))), range: 0..<40) }
        let text = try many.jsonString()
        XCTAssertTrue(text.hasPrefix("{\"assets\":[{\"id\":0,"), String(text.prefix(40)))
        XCTAssertEqual(try FeatureNormalizer(jsonString: text).jsonString(), text)
        XCTAssertThrowsError(try FeatureNormalizer(jsonString: "{\"feature_count\":7,\"assets\":[{\"id\":0,\"mean\":[1],\"std\":[1]}]}"))
    }

    func testMemoryOfTheGlobalUniverseFits() {
        // 615 assets × 30 years of daily bars (crypto's 365 days a year as the upper bound).
        let asset = AssetFeatures(assetID: 0, categoryID: 0, series: testSeries(bars: 1000, seed: 2))
        let store = FeatureStore(assets: [asset], categoryWeights: [1])
        let bytesPerBar = Double(store.byteCount) / 1000
        let total = bytesPerBar * 615 * 30 * 365
        XCTAssertLessThan(total, 1.5e9)
        XCTAssertLessThan(total, 0.3e9)   // about 37 bytes per bar
    }
}
