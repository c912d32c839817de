// Smoke test for MarketBacktest; the real tests arrive with their issue.
import XCTest
@testable import MarketBacktest

final class MarketBacktestModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketBacktestModule.name, "MarketBacktest") }
}
