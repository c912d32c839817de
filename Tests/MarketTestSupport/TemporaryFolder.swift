// A fresh temporary folder per test, removed when the test ends.
import Foundation
import XCTest

/// A new empty folder `<tmp>/<prefix>-<uuid>`, removed in the test's teardown.
public func temporaryDirectory(_ test: XCTestCase, prefix: String = "marketgpt") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
