// Smoke test for MarketModel; the real tests arrive with their issue.
import XCTest
@testable import MarketModel

final class MarketModelModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketModelModule.name, "MarketModel") }
}
