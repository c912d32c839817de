// Rejection sampling: thread count never changes the output; unreachable targets fail with the best seen.
import XCTest
@testable import MarketSynthetic

final class RejectionSamplerTests: XCTestCase {
    func testOutputDependsOnlyOnTheSeed() throws {
        let engine = try SyntheticEngine(series: GARCHReference.series(days: 800, seed: 3))
        let one = try RejectionSampler.sample(engine: engine, count: 6, minFidelity: 80, length: 600,
                                              maxAttempts: 500, seed: 17, threads: 1)
        let two = try RejectionSampler.sample(engine: engine, count: 6, minFidelity: 80, length: 600,
                                              maxAttempts: 500, seed: 17, threads: 2)
        let three = try RejectionSampler.sample(engine: engine, count: 6, minFidelity: 80, length: 600,
                                                maxAttempts: 500, seed: 17, threads: 3)
        XCTAssertEqual(one, two)
        XCTAssertEqual(one, three)
        XCTAssertEqual(one.map(\.sample), Array(0..<6))
        XCTAssertTrue(one.allSatisfy { $0.fidelity >= 80 })
        let other = try RejectionSampler.sample(engine: engine, count: 6, minFidelity: 80, length: 600,
                                                maxAttempts: 500, seed: 18, threads: 2)
        XCTAssertNotEqual(one.map(\.fidelity), other.map(\.fidelity))
        // The series of an accepted candidate is reproducible from its index alone.
        let a = engine.series(seed: 17, candidate: one[2].candidate, length: 600)
        let b = engine.series(seed: 17, candidate: one[2].candidate, length: 600)
        XCTAssertEqual(a, b)
    }

    func testUnreachableTargetReportsTheBestFidelity() throws {
        let engine = try SyntheticEngine(series: GARCHReference.series(days: 400, seed: 4))
        XCTAssertThrowsError(try RejectionSampler.sample(engine: engine, count: 1, minFidelity: 100, length: 300,
                                                         maxAttempts: 20, seed: 1)) { error in
            guard case let .fidelityNotReached(sample, attempts, best, target)? = error as? SyntheticError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(sample, 0); XCTAssertEqual(attempts, 20); XCTAssertEqual(target, 100)
            XCTAssertTrue(best > 0 && best < 100)
            XCTAssertTrue("\(error)".contains("best seen"))
        }
    }
}
