// Target weights by hand: fractional Kelly, confidence-scaled equal weight, long_only, caps and the no-trade band.
import XCTest
import MarketData
@testable import MarketSignals

final class TargetWeightsTests: XCTestCase {
    func row(_ ticker: String, _ signal: SignalAction, mu: Double, aleatoricStd: Double, epistemicStd: Double = 0,
             confidence: Double = 0.6, reason: String = "") -> SignalRecord {
        SignalRecord(date: 100, ticker: ticker, category: "c", signal: signal, confidence: confidence, expectedReturn: mu,
                     predMean: [mu], predStd: [aleatoricStd], epistemicStd: epistemicStd, aleatoricStd: aleatoricStd, lastClose: 1, reason: reason)
    }

    func testKellyCapsAndLongOnly() {
        let rows = [row("A", .buy, mu: 0.001, aleatoricStd: 0.02),           // ¼ · 0.001/0.0004 = 0.625 → cap 0.10
                    row("B", .buy, mu: 0.0001, aleatoricStd: 0.03, epistemicStd: 0.04),   // ¼ · 0.0001/0.0025 = 0.01
                    row("C", .sell, mu: -0.001, aleatoricStd: 0.02),         // short → flat in long_only
                    row("D", .hold, mu: 0.0002, aleatoricStd: 0.02, reason: "low confidence"),   // weak: 0 (close)
                    row("E", .hold, mu: 0.01, aleatoricStd: 0.02, reason: "stale data: …")]      // data reason: left out
        var options = SizingOptions()
        options.noTradeBand = 0
        let w = TargetWeights.weights(rows, options: options)
        XCTAssertEqual(w.map(\.ticker), ["A", "B", "C", "D"])
        XCTAssertEqual(w[0].weight, 0.10, accuracy: 1e-15)
        XCTAssertEqual(w[1].weight, 0.01, accuracy: 1e-15)
        XCTAssertEqual(w[2].weight, 0)
        XCTAssertEqual(w[3].weight, 0)
        options.side = .longShort
        XCTAssertEqual(TargetWeights.weights(rows, options: options)[2].weight, -0.10, accuracy: 1e-15)
    }

    func testConfidenceScaledEqualWeightGrossCapAndBand() {
        let rows = [row("A", .buy, mu: 0.01, aleatoricStd: 0.02, confidence: 0.6),
                    row("B", .sell, mu: -0.01, aleatoricStd: 0.02, confidence: 0.9),
                    row("C", .buy, mu: 0.01, aleatoricStd: 0.02, confidence: 0.9)]
        var options = SizingOptions()
        options.method = .confidence
        options.side = .longShort
        options.maxWeight = 1
        options.maxGross = 0.8
        options.noTradeBand = 0
        // |w| ∝ confidence, Σ|w| = 0.8: 0.8 · (0.6, 0.9, 0.9) / 2.4 = 0.2, 0.3, 0.3.
        let w = TargetWeights.weights(rows, options: options).map(\.weight)
        XCTAssertEqual(w[0], 0.2, accuracy: 1e-15)
        XCTAssertEqual(w[1], -0.3, accuracy: 1e-15)
        XCTAssertEqual(w[2], 0.3, accuracy: 1e-15)
        // Per-asset cap 0.25 (the excess stays cash); a band of 0.06 keeps A's previous 0.25 (|0.2 − 0.25| < 0.06)
        // but not C's previous 0.1.
        options.maxWeight = 0.25
        options.noTradeBand = 0.06
        let banded = TargetWeights.weights(rows, options: options, previous: ["A": 0.25, "C": 0.1]).map(\.weight)
        XCTAssertEqual(banded, [0.25, -0.25, 0.25])
        // Gross above the cap after the band is scaled down to it.
        options.maxGross = 0.6
        let scaled = TargetWeights.weights(rows, options: options, previous: ["A": 0.25]).map(\.weight)
        XCTAssertEqual(scaled.reduce(0) { $0 + abs($1) }, 0.6, accuracy: 1e-12)
    }
}
