// Names that become one path component (run, category, ticker) and paths that must stay under their root.
import Foundation

/// Checks for user-supplied names used as folder or file names, and for output paths under a root.
///
/// A name is safe when it is non-empty, at most 255 bytes, not `.` or `..`, and holds no `/`, `\`, NUL or other
/// control character — so `root/<name>` always names a direct child of `root`.
public enum PathName {
    /// Why `name` cannot be one path component, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." { return "names the current folder" }
        if name == ".." { return "names the parent folder" }
        if name.utf8.count > 255 { return "is longer than 255 bytes" }
        if name.contains("/") || name.contains("\\") { return "contains a path separator" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "contains a control character" }
        return nil
    }

    /// `name` printable in an error: control characters escaped.
    public static func quoted(_ name: String) -> String {
        "'" + name.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined() + "'"
    }

    /// The path of `url` with `.`/`..` removed and symbolic links of its existing ancestors resolved.
    public static func resolved(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var path = existing.resolvingSymlinksInPath().path
        for component in rest { path = (path as NSString).appendingPathComponent(component) }
        return path
    }

    /// Whether `url` lies under `root` (or is `root`) once both are resolved.
    public static func isContained(_ url: URL, in root: URL) -> Bool {
        let base = resolved(root), path = resolved(url)
        return path == base || path.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    /// `root/<name>` after checking `name` (`what` says which name in errors, e.g. `run name`) and that the
    /// result stays under `root`. Throws `DataError` naming `root`.
    public static func child(_ root: URL, _ name: String, what: String) throws -> URL {
        if let problem = problem(name) {
            throw DataError(file: root.path, reason: "\(what) \(quoted(name)) \(problem) (one folder or file name: no '/', '\\', '..' or control characters)")
        }
        let url = root.appendingPathComponent(name)
        guard isContained(url, in: root) else {
            throw DataError(file: url.path, reason: "\(what) \(quoted(name)) leads outside \(root.path)")
        }
        return url
    }
}
