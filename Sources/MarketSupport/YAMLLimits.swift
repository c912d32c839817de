// Caps applied to every YAML file before it is parsed (size, nesting) and after (duplicate keys).
import Foundation
import Yams

/// Limits that keep a hostile or mistyped YAML file from exhausting memory or the parser's stack.
///
/// - size: at most `maximumBytes` (1 MiB) — checked on the file's size before it is read;
/// - nesting: at most `maximumFlowDepth` (64) open `[`/`{` and `maximumIndent` (256) columns of block
///   indentation (each leading `- ` counts 2) — checked on the text before the parser sees it;
/// - duplicate keys in one mapping — checked on the composed node tree (the parser keeps both).
public enum YAMLLimits {
    public static let maximumBytes = 1 << 20
    public static let maximumFlowDepth = 64
    public static let maximumIndent = 256

    /// The size of the file at `url` when it is above `maximumBytes` (nil when within, or unknown).
    public static func oversize(_ url: URL) -> Int? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
              size.intValue > maximumBytes else { return nil }
        return size.intValue
    }

    /// The first line (1-based) that nests deeper than the limits, with the reason; nil when within them.
    public static func nestingProblem(in text: String) -> (line: Int, reason: String)? {
        if text.utf8.count > maximumBytes { return (1, "the text is \(text.utf8.count) bytes, above the \(maximumBytes)-byte limit") }
        var depth = 0, line = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            var indent = 0
            var iterator = raw.unicodeScalars.makeIterator()
            var previous: Unicode.Scalar = " "
            var quote: Unicode.Scalar? = nil
            var leading = true
            while let c = iterator.next() {
                if leading {
                    if c == " " { indent += 1; previous = c; continue }
                    if c == "-" { indent += 2; previous = c; continue }
                    leading = false
                }
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "#" && (previous == " " || previous == "\t") {
                    break
                } else if c == "[" || c == "{" {
                    depth += 1
                    if depth > maximumFlowDepth { return (line, "more than \(maximumFlowDepth) nested [ ] / { } levels") }
                } else if c == "]" || c == "}" {
                    depth = max(0, depth - 1)
                }
                previous = c
            }
            if indent > maximumIndent { return (line, "nested deeper than \(maximumIndent) columns of indentation") }
        }
        return nil
    }

    /// The first key that appears twice in one mapping: its key path (dotted, `[i]` for list items), line and name.
    public static func duplicateKey(in node: Node, path: String = "") -> (path: String, line: Int?)? {
        switch node {
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                let name = key.string ?? "?"
                let child = path.isEmpty ? name : "\(path).\(name)"
                if !seen.insert(name).inserted { return (child, key.mark?.line) }
                if let found = duplicateKey(in: value, path: child) { return found }
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = duplicateKey(in: item, path: "\(path)[\(index)]") { return found }
            }
        default:
            break
        }
        return nil
    }
}
