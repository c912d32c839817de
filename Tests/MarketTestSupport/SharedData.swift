// Locates ../shared/data next to the package root (tests skip when it is absent).
import Foundation
import XCTest

public enum SharedData {
    /// The package root: the nearest folder above this file holding Package.swift.
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url = url.deletingLastPathComponent()
        }
        return url
    }

    /// `../shared/data/<name>` or an XCTSkip when it is absent.
    public static func folder(_ name: String) throws -> URL {
        let url = packageRoot.appendingPathComponent("../shared/data/\(name)").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("shared data \(name) not found at \(url.path)") }
        return url
    }
}
