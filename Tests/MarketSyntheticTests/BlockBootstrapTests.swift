// Block bootstrap draws and OHLCV reconstruction: valid days, block lengths, coherent and consistent bars.
import XCTest
import MarketData
@testable import MarketSynthetic
import MarketSupport

final class BlockBootstrapTests: XCTestCase {
    private func draw(_ method: BootstrapMethod, blockLength: Double, n: Int, count: Int, seed: UInt64) -> [Int32] {
        var rng = SeededRandom(seed: seed, salt: SeededRandom.syntheticSalt)
        var out = [Int32](repeating: -1, count: count)
        out.withUnsafeMutableBufferPointer {
            BlockBootstrap.drawIndices(into: $0, sourceCount: n, method: method, blockLength: blockLength, rng: &rng)
        }
        return out
    }

    /// Lengths of the runs of consecutive (circularly) source days.
    private func runs(_ days: [Int32], n: Int) -> [Int] {
        var result: [Int] = [], current = 1
        for t in 1..<days.count {
            if Int(days[t]) == (Int(days[t - 1]) + 1) % n { current += 1 } else { result.append(current); current = 1 }
        }
        return result
    }

    func testStationaryBlocksHaveTheExpectedMeanLength() {
        let n = 100_000
        let days = draw(.stationary, blockLength: 12, n: n, count: 200_000, seed: 1)
        XCTAssertTrue(days.allSatisfy { $0 >= 0 && Int($0) < n })
        let lengths = runs(days, n: n)
        let mean = Double(lengths.reduce(0, +)) / Double(lengths.count)
        XCTAssertEqual(mean, 12, accuracy: 0.3)
        XCTAssertGreaterThan(Set(days).count, 50_000, "starts must spread over the source")
    }

    func testCircularBlocksHaveFixedLengthAndWrap() {
        let n = 50
        let days = draw(.circular, blockLength: 7, n: n, count: 7 * 400, seed: 2)
        for block in 0..<400 {
            for k in 1..<7 {
                XCTAssertEqual(Int(days[block * 7 + k]), (Int(days[block * 7 + k - 1]) + 1) % n)
            }
        }
        XCTAssertTrue(days.contains(0) && days.contains(Int32(n - 1)))
    }

    func testSameSeedSameDraws() {
        XCTAssertEqual(draw(.stationary, blockLength: 5, n: 300, count: 1000, seed: 4),
                       draw(.stationary, blockLength: 5, n: 300, count: 1000, seed: 4))
        XCTAssertNotEqual(draw(.stationary, blockLength: 5, n: 300, count: 1000, seed: 4),
                          draw(.stationary, blockLength: 5, n: 300, count: 1000, seed: 5))
    }

    func testReconstructionIsConsistentAndCarriesDaysTogether() throws {
        // A messy source: an inconsistent candle, a non-positive price and zero volume must not leak.
        var source = GARCHReference.series(days: 400, seed: 8)
        source.high[10] = source.low[10] * 0.9
        source.close[20] = -1
        source.volume[30] = 0
        let engine = try SyntheticEngine(series: source, method: .stationary, blockLength: 6)
        let bars = engine.series(seed: 77, candidate: 3, length: 1000, startPrice: 50)
        let days = engine.indices(seed: 77, candidate: 3, length: 1000)
        XCTAssertEqual(bars.count, 1000)
        XCTAssertTrue(bars.isSynthetic.allSatisfy { $0 })
        var previous = 50.0
        for t in 0..<bars.count {
            let o = bars.open[t], h = bars.high[t], l = bars.low[t], c = bars.close[t]
            XCTAssertTrue(l > 0 && o > 0 && c > 0 && bars.volume[t] >= 0, "bar \(t)")
            XCTAssertLessThanOrEqual(l, min(o, c)); XCTAssertLessThanOrEqual(max(o, c), h)
            // The day's return and opening gap come from the same source day.
            let d = Int(days[t])
            XCTAssertEqual(log(c / previous), engine.source.logReturn[d], accuracy: 1e-9)
            XCTAssertEqual(log(o / previous), engine.source.openGap[d], accuracy: 1e-9)
            previous = c
        }
        XCTAssertTrue(bars.dates.allSatisfy { CivilDate.weekday($0) < 5 })
        XCTAssertTrue(zip(bars.dates, bars.dates.dropFirst()).allSatisfy { $0 < $1 })
    }

    func testTooShortSourceIsAClearError() {
        let tiny = GARCHReference.series(days: 10, seed: 1)
        XCTAssertThrowsError(try SyntheticEngine(series: tiny)) { error in
            XCTAssertEqual(error as? SyntheticError, .tooShort(usable: 10, needed: BootstrapSource.minimumBars))
        }
    }
}
