// Smoke test for MarketData; the real tests arrive with their issue.
import XCTest
@testable import MarketData

final class MarketDataModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketDataModule.name, "MarketData") }
}
