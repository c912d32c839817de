// Path parameters and folders: names are validated and every resolved path must stay inside its root.
import Foundation
import MarketSupport
import MarketData

/// Resolves user-supplied names (run, date, job id) to files strictly inside a root folder: a stricter name
/// rule than `PathName` (letters, digits, `.`, `_`, `-`; no leading dot), containment checked by `PathName`.
public enum ServerPaths {
    /// A plain name: 1…128 of `[A-Za-z0-9._-]`, not starting with `.` (so never `..`, never a slash).
    public static func isSafeName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != "." else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    /// `root/name` when `name` is safe (also for `PathName`) and the resolved path (symlinks followed) stays
    /// under `root`; else nil.
    public static func child(_ root: URL, _ name: String) -> URL? {
        guard isSafeName(name), PathName.problem(name) == nil else { return nil }
        let url = root.appendingPathComponent(name)
        return PathName.isContained(url, in: root) ? url : nil
    }

    /// `path` relative to `workingDirectory` unless absolute.
    public static func resolve(_ path: String, in workingDirectory: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : workingDirectory.appendingPathComponent(path)
    }

    /// True when `url` is an existing folder.
    public static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
