// Smoke test for MarketTraining; the real tests arrive with their issue.
import XCTest
@testable import MarketTraining

final class MarketTrainingModuleTests: XCTestCase {
    func testModuleName() { XCTAssertEqual(MarketTrainingModule.name, "MarketTraining") }
}
