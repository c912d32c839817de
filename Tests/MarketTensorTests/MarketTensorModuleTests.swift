// Smoke test for MarketTensor; the real tests arrive with their issue.
import XCTest
@testable import MarketTensor

final class MarketTensorModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketTensorModule.name, "MarketTensor") }
}
