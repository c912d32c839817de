// The one strict YAML reader: unknown and duplicate keys, wrong types (with what was found), validation, lines.
import XCTest
import MarketSupport

final class StrictYAMLTests: XCTestCase {
    struct Inner: Codable, Equatable {
        var size: Int
        var names: [String]
        init(size: Int, names: [String]) { self.size = size; self.names = names }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            size = try c.strictDecode(Int.self, forKey: .size)
            names = try c.decode([String].self, forKey: .names)
        }
    }
    struct Config: Codable, Equatable, ValidatedConfig {
        var rate: Double
        var inner: Inner
        func validate() throws {
            guard rate > 0 else { throw ConfigValueError(keyPath: ["rate"], reason: "must be > 0, found \(rate)") }
        }
    }

    private func error(_ yaml: String) -> ConfigError? {
        do { _ = try StrictYAML.decode(Config.self, from: yaml, file: "c.yaml"); return nil } catch { return error as? ConfigError }
    }

    func testDecodesAndReportsEveryKindOfProblemWithItsLine() throws {
        let good = "rate: 0.5\ninner:\n  size: 3\n  names: [a, b]\n"
        XCTAssertEqual(try StrictYAML.decode(Config.self, from: good, file: "c.yaml"), Config(rate: 0.5, inner: Inner(size: 3, names: ["a", "b"])))
        XCTAssertEqual(error(good + "  colour: red\n")?.description.hasPrefix("c.yaml line 5: inner.colour: unknown key (allowed: names, size)"), true)
        XCTAssertEqual(error("rate: 0.5\nrate: 0.6\ninner: {size: 1, names: []}\n")?.reason, "duplicate key")
        XCTAssertEqual(error("rate: 0.5\ninner: {size: [1], names: []}\n")?.reason, "expected an integer, found a list")
        XCTAssertEqual(error("rate: fast\ninner: {size: 1, names: []}\n")?.reason, "expected a number, found 'fast'")
        XCTAssertEqual(error("rate: 0.5\ninner: {size: 1, names: 3}\n")?.reason, "expected a list, found '3'")
        XCTAssertEqual(error("rate: 0.5\n")?.description, "c.yaml line 1: inner: missing key")
        XCTAssertEqual(error("rate: -1\ninner: {size: 1, names: []}\n")?.description, "c.yaml line 1: rate: must be > 0, found -1.0")
        XCTAssertEqual(error("rate: [\n")?.keyPath, "")
    }

    func testKeyPathsPrintListIndicesWithoutDots() {
        XCTAssertEqual(ConfigError.keyPath(["categories", "[2]", "assets", "[5]", "ticker"]), "categories[2].assets[5].ticker")
    }
}
