// Smoke test for MarketSignals; the real tests arrive with their issue.
import XCTest
@testable import MarketSignals

final class MarketSignalsModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketSignalsModule.name, "MarketSignals") }
}
