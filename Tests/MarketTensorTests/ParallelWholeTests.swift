// Parallel.forWhole: every array visited exactly once, whole, for any sizes (zeros, empty lists, one big array).
import XCTest
import MarketTensor

final class ParallelWholeTests: XCTestCase {
    func testEveryArrayRunsExactlyOnce() {
        let lists: [[Int]] = [[], [0], [0, 0, 0], [5], [100_000, 0, 3, 200_000, 0], [1, 300_000], [300_000, 1, 0],
                              Array(repeating: 20_000, count: 40) + [0]]
        for counts in lists {
            let visits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(counts.count, 1))
            visits.initialize(repeating: 0)
            defer { visits.deallocate() }
            Parallel.forWhole(counts, minimumPerThread: 1_000) { k in visits[k] += 1 }   // each k from one thread only
            XCTAssertEqual(Array(visits.prefix(counts.count)), Array(repeating: 1, count: counts.count), "\(counts)")
        }
    }
}
