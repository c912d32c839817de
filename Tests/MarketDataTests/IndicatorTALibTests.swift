// Every technical indicator against TA-Lib (Python `TA-Lib`, via MARKETGPT_PYTHON) on real files, after the warm-up.
import Foundation
import XCTest
@testable import MarketData
import MarketTestSupport

final class IndicatorTALibTests: XCTestCase {
    /// TA-Lib's value (or the same transform of it: ratio to the close, /100, log) for every indicator name,
    /// plus the index of its first defined value.
    static let script = """
    import sys, json
    import numpy as np, talib
    d = json.load(sys.stdin)
    o, h, l, c, v = (np.array(d[k], dtype=float) for k in ("open", "high", "low", "close", "volume"))
    n = len(c)
    def shift(x, k):
        y = np.full(n, np.nan); y[k:] = x[:-k]; return y
    out = {}
    for p in (5, 10, 20, 50): out[f"sma_{p}"] = c / talib.SMA(c, p) - 1
    for p in (12, 26): out[f"ema_{p}"] = c / talib.EMA(c, p) - 1
    out["rsi_14"] = talib.RSI(c, 14) / 100
    out["roc_10"] = talib.ROC(c, 10) / 100
    m, s, hist = talib.MACD(c, 12, 26, 9)
    out["macd"], out["macd_signal"], out["macd_hist"] = m / c, s / c, hist / c
    out["atr_14"] = talib.ATR(h, l, c, 14) / c
    out["true_range"] = talib.TRANGE(h, l, c) / c
    up, mid, lo = talib.BBANDS(c, 20, 2, 2, 0)
    out["bb_width_20"] = (up - lo) / mid
    with np.errstate(all="ignore"):
        out["bb_pctb_20"] = (c - lo) / (up - lo)
        r = np.log(c[1:] / c[:-1])
        vol20 = np.full(n, np.nan); vol20[1:] = talib.STDDEV(r, 20, 1)
        vol5 = np.full(n, np.nan); vol5[1:] = talib.STDDEV(r, 5, 1)
        out["vol_20"], out["vol_ratio_5_20"] = vol20, vol5 / vol20
        out["hl_range"] = (h - l) / c
        sv = talib.SMA(v, 20)
        out["volume_sma_ratio_20"] = v / sv - 1
        out["volume_z_20"] = (v - sv) / talib.STDDEV(v, 20, 1)
        out["obv_20"] = (talib.OBV(c, v) - shift(talib.OBV(c, v), 20)) / talib.SUM(v, 20)
        out["mfi_14"] = talib.MFI(h, l, c, v, 14) / 100
        out["volume_roc_5"] = np.log(talib.ROCR(v, 5))
        k, dd = talib.STOCHF(h, l, c, 14, 3, 0)
        out["stoch_k_14"], out["stoch_d_3"] = k / 100, dd / 100
        out["adx_14"] = talib.ADX(h, l, c, 14) / 100
        for p in (1, 5, 10): out[f"return_{p}"] = np.log(talib.ROCR(c, p))
    first = {k: int(np.argmax(np.isfinite(x))) for k, x in out.items()}
    values = {k: [float(a) if np.isfinite(a) else None for a in x] for k, x in out.items()}
    print(json.dumps({"values": values, "first": first, "version": talib.__version__}))
    """

    /// Indicators whose first defined bar differs from TA-Lib's lookback on purpose: our MACD line starts
    /// once both EMAs exist (TA-Lib waits for the signal), and %K does not wait for %D.
    static let ownWarmUp: Set<String> = ["macd", "stoch_k_14"]
    /// Bars compared from: past every warm-up and the decay of MACD's differently seeded fast EMA (TA-Lib
    /// seeds it 14 bars later; the difference shrinks by 11/13 per bar, < 1e-12 after 300 bars).
    static let compareFrom = 300

    func testEveryIndicatorMatchesTALibOnARealStock() throws {
        try check(file: "us_stocks/AAPL.csv", expectVolume: true)
    }

    func testEveryIndicatorMatchesTALibOnACommodityFuture() throws {
        try check(file: "commodities/CL_F.csv", expectVolume: true)
    }

    func testForexVolumeFeaturesAreMaskedAndPriceFeaturesMatchTALib() throws {
        try check(file: "forex/EURUSD.csv", expectVolume: false)
    }

    /// True when a typical-price move in the `bars` bars up to `t` is below 1e-9 of the price (a tie up to rounding).
    static func hasTypicalPriceTie(_ s: OHLCVSeries, endingAt t: Int, bars: Int) -> Bool {
        ((t - bars + 1)...t).contains { i in
            let now = (s.high[i] + s.low[i] + s.close[i]) / 3, before = (s.high[i - 1] + s.low[i - 1] + s.close[i - 1]) / 3
            return abs(now - before) <= 1e-9 * now
        }
    }

    private func check(file: String, expectVolume: Bool) throws {
        let url = try SharedData.folder("real").appendingPathComponent(file)
        let series = try OHLCVCSV.load(url).series
        let ours = TechnicalIndicators.compute(series)
        let width = IndicatorCatalog.count
        let reference = try PythonRunner.json(Self.script, input: ["open": series.open, "high": series.high, "low": series.low,
                                                                   "close": series.close, "volume": series.volume])
        guard let values = reference["values"] as? [String: [Any]], let first = reference["first"] as? [String: Int] else {
            return XCTFail("no TA-Lib output")
        }
        let n = series.count
        XCTAssertGreaterThan(n, Self.compareFrom + 500, file)
        for (column, definition) in IndicatorCatalog.all.enumerated() {
            let name = definition.name
            guard let expected = values[name] else { XCTFail("TA-Lib gave no \(name)"); continue }
            // Warm-up: masked before, defined from the warm-up bar on (TA-Lib's lookback).
            for t in 0..<min(definition.warmUpBars, n) where !ours[t * width + column].isNaN {
                XCTFail("\(file) \(name): bar \(t) inside the warm-up of \(definition.warmUpBars) is not masked"); break
            }
            if definition.usesVolume && !expectVolume {
                let defined = (0..<n).filter { !ours[$0 * width + column].isNaN }.count
                XCTAssertEqual(defined, 0, "\(file) \(name): a zero-volume series must have the volume feature masked everywhere")
                continue
            }
            if !Self.ownWarmUp.contains(name) {
                XCTAssertEqual(definition.warmUpBars, first[name], "\(file) \(name): warm-up vs TA-Lib's lookback")
            }
            var compared = 0, worst = 0.0, worstBar = -1
            for t in Self.compareFrom..<n {
                // MFI: TA-Lib signs a typical-price move of rounding size (equal prices); we count it as none.
                if name == "mfi_14" && Self.hasTypicalPriceTie(series, endingAt: t, bars: 14) { continue }
                let mine = ours[t * width + column]
                guard !mine.isNaN, let theirs = expected[t] as? Double else { continue }
                let error = abs(Double(mine) - theirs) / (1e-6 + 1e-4 * abs(theirs))
                if error > worst { worst = error; worstBar = t }
                compared += 1
            }
            // Tolerance: |ours − TA-Lib| ≤ 1e-6 + 1e-4·|TA-Lib| (ours is Float32).
            XCTAssertLessThanOrEqual(worst, 1, "\(file) \(name): worst bar \(worstBar): ours \(worstBar >= 0 ? ours[worstBar * width + column] : .nan), TA-Lib \(worstBar >= 0 ? String(describing: expected[worstBar]) : "-")")
            // Coverage: at least 97% of the bars after the warm-up are compared (masking cannot hide a mismatch).
            XCTAssertGreaterThanOrEqual(Double(compared), 0.97 * Double(n - Self.compareFrom), "\(file) \(name): only \(compared) bars compared")
        }
    }
}
