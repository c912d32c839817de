// Smoke test for MarketSynthetic; the real tests arrive with their issue.
import XCTest
@testable import MarketSynthetic

final class MarketSyntheticModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketSyntheticModule.name, "MarketSynthetic") }
}
