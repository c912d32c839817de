// The seeded generator family keeps the exact streams of the three generators it replaced (golden words
// computed from a transcription of the old code), restores state exactly, and splits into independent streams.
import XCTest
import MarketSupport

final class SeededRandomTests: XCTestCase {
    private func words(_ rng: inout SeededRandom, _ n: Int = 3) -> [UInt64] { (0..<n).map { _ in rng.next() } }

    func testStreamsOfTheFormerGeneratorsAreUnchanged() {
        var tensor = SeededRandom(seed: 42)   // the former MarketTensor.RandomGenerator(seed: 42)
        XCTAssertEqual(words(&tensor), [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        var demo = PairedNormalRandom(seed: 42, stream: 7)   // the former DemoRandom(seed: 42, stream: 7)
        XCTAssertEqual((0..<3).map { _ in demo.next() }, [0xAB0B_230F_7FC4_8E9A, 0x048B_0576_8622_55CA, 0x8F66_4D3D_A440_9262])
        var synthetic = SeededRandom(seed: 42, stream: 3, salt: SeededRandom.syntheticSalt)   // former SeededRandom
        XCTAssertEqual(words(&synthetic), [0x346F_5A55_3BDA_CDB2, 0x5D64_76FD_DDE2_E3CA, 0x1787_91B3_A606_0F5B])
        var mixer = SplitMix64(state: 42)
        XCTAssertEqual((0..<3).map { _ in mixer.next() }, [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52])
    }

    func testStateRestoresTheStreamAndSplitGivesAnotherOne() {
        var a = SeededRandom(seed: 9)
        _ = words(&a, 5)
        var b = SeededRandom(state: a.state)
        XCTAssertEqual(words(&a, 4), words(&b, 4))
        var parent = SeededRandom(seed: 9)
        var child = parent.split()
        var fresh = SeededRandom(seed: 9)
        XCTAssertEqual(words(&child, 4), words(&fresh, 4), "the child continues the stream")
        XCTAssertNotEqual(words(&parent, 4), words(&child, 4), "the parent jumped ahead")
    }

    func testDrawsStayInTheirRanges() {
        var rng = SeededRandom(seed: 1)
        for _ in 0..<10_000 {
            let u = rng.uniform(), o = rng.uniformOpen(), f = rng.nextUniform()
            XCTAssertTrue((0..<1).contains(u) && o > 0 && o < 1 && (0..<1).contains(f))
            XCTAssertTrue((0..<7).contains(rng.index(below: 7)))
        }
        var normals = PairedNormalRandom(seed: 1, stream: 0)
        let draws = (0..<20_000).map { _ in normals.unitStudentT(degreesOfFreedom: 5) }
        let variance = draws.reduce(0) { $0 + $1 * $1 } / Double(draws.count)
        XCTAssertEqual(variance, 1, accuracy: 0.15, "unit-variance Student-t")
    }

    func testGARCHProcessFollowsTheRecursionAndItsCap() {
        var process = GARCHProcess(omega: 1e-6, alpha: 0.1, beta: 0.8, variance: 1e-4)
        process.update(innovation: 0.02)
        XCTAssertEqual(process.variance, 1e-6 + 0.1 * 0.0004 + 0.8 * 1e-4, accuracy: 1e-18)
        var capped = GARCHProcess(omega: 1e-6, alpha: 0.1, beta: 0.8, variance: 1e-4, cap: 1e-4)
        capped.update(innovation: 1)
        XCTAssertEqual(capped.variance, 1e-4)
        var rng = SeededRandom(seed: 3)
        let returns = process.simulate(count: 100, burnIn: 10) { rng.gaussian() }
        XCTAssertEqual(returns.count, 100)
    }
}
