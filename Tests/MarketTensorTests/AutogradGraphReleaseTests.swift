// The backward sweep frees the graph as it goes: released gradients feed the next op's gradient from the pool.
import XCTest
@testable import MarketTensor

final class AutogradGraphReleaseTests: XCTestCase {
    /// A chain of `depth` element-wise ops on a (rows, cols) pooled leaf, ending in a weighted sum.
    private func chain(_ x: Tensor, depth: Int) -> Tensor {
        var h = x
        for _ in 0..<depth { h = gelu(h) }
        return project(h)
    }

    func testBackwardReusesReleasedGradientsInsteadOfAllocatingOnePerOp() {
        let pool = BufferPool()
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.normal([64, 256], rng: &rng, pool: pool, requiresGrad: true)
        let bytes = x.count * 4, depth = 12
        let loss = chain(x, depth: depth)
        let forward = pool.allocatedBytes
        XCTAssertGreaterThanOrEqual(forward, depth * bytes, "one output per op")
        loss.backward()
        let backward = pool.allocatedBytes - forward
        // Keeping every op's gradient until the graph dies would take `depth` more buffers of this size (and
        // the leaf's); released gradients are reused, so the sweep needs about two plus the leaf's.
        XCTAssertLessThanOrEqual(backward, 4 * bytes, "backward allocated \(backward / bytes) buffers of \(bytes) bytes")
        XCTAssertNotNil(x.grad, "the leaf keeps its gradient")
        XCTAssertNotNil(loss.grad, "the root keeps its gradient")
    }

    func testIntermediateGradientsAreReleasedAndLeafGradientsUnchanged() {
        let x = parameter([5, 7], seed: 11)
        let h = gelu(x)
        let loss = project(h * h)
        loss.backward()
        XCTAssertNil(h.grad, "an op output's gradient goes back to the pool once propagated")
        XCTAssertTrue(h.parents.isEmpty, "its links are dropped")
        // d/dx Σ r·gelu(x)² = 2 r gelu(x) gelu'(x), recomputed from the forward values.
        let r = constant([5, 7], seed: 99).scalars
        let expected = (0..<x.count).map { i in 2 * r[i] * h.scalars[i] * geluDerivativeNaive(x.scalars[i]) }
        for i in 0..<x.count { XCTAssertEqual(x.gradScalars[i], expected[i], accuracy: 1e-4 * max(1, abs(expected[i]))) }
    }

    func testTwoLossesOnOneSharedInputStillAccumulate() {
        let x = parameter([4], seed: 3)
        (x * x).sum().backward()
        let once = x.gradScalars
        (x * x).sum().backward()
        XCTAssertEqual(x.gradScalars, once.map { 2 * $0 }, "new graphs over the same leaf add up")
    }
}
