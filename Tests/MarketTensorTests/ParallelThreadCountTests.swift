// Parallel.threadCount: MARKETGPT_THREADS wins; under mpirun the node's cores are shared among its ranks.
import XCTest
import MarketTensor

final class ParallelThreadCountTests: XCTestCase {
    func testThreadCountFromEnvironmentAndLocalRanks() {
        XCTAssertEqual(Parallel.resolvedThreadCount([:], activeCores: 2, onlineCores: 2), 2)
        XCTAssertEqual(Parallel.resolvedThreadCount([:], activeCores: 32, onlineCores: 32), 8, "at most 8 by default")
        XCTAssertEqual(Parallel.resolvedThreadCount(["MARKETGPT_THREADS": "3"], activeCores: 2, onlineCores: 2), 3)
        XCTAssertEqual(Parallel.resolvedThreadCount(["MARKETGPT_THREADS": "0"], activeCores: 2, onlineCores: 2), 2, "out of range: ignored here (the CLI refuses it)")
        XCTAssertEqual(Parallel.resolvedThreadCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], activeCores: 2, onlineCores: 2), 1)
        XCTAssertEqual(Parallel.resolvedThreadCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "3"], activeCores: 2, onlineCores: 2), 1)
        XCTAssertEqual(Parallel.resolvedThreadCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], activeCores: 1, onlineCores: 8), 1, "bound to one core")
        XCTAssertEqual(Parallel.resolvedThreadCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], activeCores: 16, onlineCores: 16), 8)
        XCTAssertEqual(Parallel.resolvedThreadCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2", "MARKETGPT_THREADS": "2"], activeCores: 2, onlineCores: 2), 2)
    }
}
