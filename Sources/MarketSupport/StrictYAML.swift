// The one strict YAML reader (configs and universes): Codable decoding where unknown keys, duplicate keys and
// bad values are errors naming file, line and key path.

import Foundation
import Yams

/// A config file problem: `configs/pretrain.yaml line 12: training.batch_sise: unknown key (allowed: …)`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (as given).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// Dotted key path, e.g. `training.split.train` (`(top level)` for the document).
    public var keyPath: String
    /// What is wrong.
    public var reason: String

    public init(file: String, line: Int?, keyPath: String, reason: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String {
        "\(file)\(line.map { " line \($0)" } ?? ""): \(keyPath.isEmpty ? "(top level)" : keyPath): \(reason)"
    }
}

extension ConfigError {
    /// `["categories", "[2]", "name"]` → `categories[2].name`.
    public static func keyPath(_ components: [String]) -> String {
        var out = ""
        for component in components {
            if component.hasPrefix("[") || out.isEmpty { out += component } else { out += "." + component }
        }
        return out
    }
}

/// An out-of-range value found by a config's `validate()`; `StrictYAML` adds the file and line.
public struct ConfigValueError: Error, Equatable, Sendable {
    /// Key path inside the decoded value, e.g. `["split", "train"]`.
    public var keyPath: [String]
    /// What is wrong, with the value.
    public var reason: String

    public init(keyPath: [String], reason: String) {
        self.keyPath = keyPath
        self.reason = reason
    }

    /// The same error one level down (`prefixed("training")` turns `batch_size` into `training.batch_size`).
    public func prefixed(_ key: String) -> ConfigValueError { ConfigValueError(keyPath: [key] + keyPath, reason: reason) }
}

/// A config whose values can be checked after decoding.
public protocol ValidatedConfig {
    /// Throws `ConfigValueError` for the first out-of-range value.
    func validate() throws
}

/// Decodes any `Codable` type from YAML strictly.
///
/// 1. YAML syntax errors → `ConfigError` with the parser's line.
/// 2. Decoding (`YAMLDecoder`): wrong types and missing required keys → `ConfigError` naming the key path.
/// 3. Unknown keys: the decoded value is encoded again and every key of the input that the encoding
///    lacks (at the same path, through nested mappings and lists) is reported with the allowed keys —
///    so a typo is never silently ignored. (An explicit `key: null` for an optional field is allowed.)
/// 4. `ValidatedConfig.validate()` when the type adopts it.
public enum StrictYAML {
    /// Reads and decodes `url`.
    public static func load<T: Codable>(_ type: T.Type, from url: URL) throws -> T {
        if let size = YAMLLimits.oversize(url) {
            throw ConfigError(file: url.path, line: nil, keyPath: "", reason: "\(size) bytes, above the \(YAMLLimits.maximumBytes)-byte limit for a config file")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(file: url.path, line: nil, keyPath: "", reason: "cannot read the config file (\(error.localizedDescription))")
        }
        return try decode(type, from: text, file: url.path)
    }

    /// Decodes `yaml`; `file` names the source in errors.
    public static func decode<T: Codable>(_ type: T.Type, from yaml: String, file: String) throws -> T {
        let root: Node
        if let (line, reason) = YAMLLimits.nestingProblem(in: yaml) {
            throw ConfigError(file: file, line: line, keyPath: "", reason: reason)
        }
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: nil, keyPath: "", reason: "empty config file")
            }
            root = node
        } catch let error as YamlError {
            throw ConfigError(file: file, line: yamlErrorLine(error), keyPath: "",
                              reason: "invalid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        if let duplicate = YAMLLimits.duplicateKey(in: root) {
            throw ConfigError(file: file, line: duplicate.line, keyPath: duplicate.path, reason: "duplicate key")
        }
        let value: T
        do {
            value = try YAMLDecoder().decode(T.self, from: yaml)
        } catch let error as DecodingError {
            let (path, reason) = describe(error, root: root)
            throw ConfigError(file: file, line: line(of: path, in: root), keyPath: ConfigError.keyPath(path), reason: reason)
        }
        let known: Node?
        do { known = try Yams.compose(yaml: YAMLEncoder().encode(value)) } catch {
            throw ConfigError(file: file, line: nil, keyPath: "", reason: "cannot re-encode the config (\(error))")
        }
        if let problem = unknownKey(in: root, known: known, path: []) {
            throw ConfigError(file: file, line: problem.line, keyPath: ConfigError.keyPath(problem.path), reason: problem.reason)
        }
        if let validated = value as? ValidatedConfig {
            do { try validated.validate() } catch let error as ConfigValueError {
                throw ConfigError(file: file, line: line(of: error.keyPath, in: root),
                                  keyPath: ConfigError.keyPath(error.keyPath), reason: error.reason)
            }
        }
        return value
    }

    /// The line of the node at `path` (the deepest existing prefix), 1-based.
    static func line(of path: [String], in root: Node) -> Int? {
        var node = root
        var line = root.mark?.line
        for key in path {
            switch node {
            case .mapping(let mapping):
                guard let entry = mapping.first(where: { $0.key.string == key }) else { return line }
                line = entry.key.mark?.line ?? line
                node = entry.value
            case .sequence(let sequence):
                guard let index = Int(key.filter(\.isNumber)), index < sequence.count else { return line }
                node = sequence[index]
                line = node.mark?.line ?? line
            default:
                return line
            }
        }
        return line
    }

    private static func unknownKey(in node: Node, known: Node?, path: [String]) -> (path: [String], line: Int?, reason: String)? {
        switch (node, known) {
        case (.mapping(let mapping), .some(.mapping(let knownMapping))):
            let allowed = knownMapping.keys.compactMap(\.string)
            var seen: Set<String> = []
            for (key, value) in mapping {
                let name = key.string ?? "?"
                guard seen.insert(name).inserted else { return (path + [name], key.mark?.line, "duplicate key") }
                guard let knownValue = knownMapping[key] else {
                    if case .scalar(let scalar) = value, scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty { continue }
                    return (path + [name], key.mark?.line, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
                }
                if let problem = unknownKey(in: value, known: knownValue, path: path + [name]) { return problem }
            }
        case (.sequence(let sequence), .some(.sequence(let knownSequence))) where sequence.count == knownSequence.count:
            for (index, pair) in zip(sequence, knownSequence).enumerated() {
                if let problem = unknownKey(in: pair.0, known: pair.1, path: path + ["[\(index)]"]) { return problem }
            }
        default:
            break
        }
        return nil
    }

    private static func describe(_ error: DecodingError, root: Node) -> ([String], String) {
        func keys(_ context: DecodingError.Context) -> [String] {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (keys(context) + [key.stringValue], "missing key")
        case .typeMismatch(let type, let context):
            let path = keys(context)
            let found = node(at: path, in: root).map { ", found \(kind($0))" } ?? " (\(context.debugDescription))"
            return (path, "expected \(typeName(type))\(found)")
        case .valueNotFound(let type, let context):
            let path = keys(context)
            if let found = node(at: path, in: root), !isNull(found) { return (path, "expected \(typeName(type)), found \(kind(found))") }
            return (path, "expected \(typeName(type)), found nothing")
        case .dataCorrupted(let context):
            return (keys(context), context.debugDescription)
        @unknown default:
            return ([], String(describing: error))
        }
    }

    /// The node at `path` (mapping keys and `[i]` list indices), if it exists.
    static func node(at path: [String], in root: Node) -> Node? {
        var node = root
        for key in path {
            switch node {
            case .mapping(let mapping):
                guard let entry = mapping.first(where: { $0.key.string == key }) else { return nil }
                node = entry.value
            case .sequence(let sequence):
                guard let index = Int(key.filter(\.isNumber)), index < sequence.count else { return nil }
                node = sequence[index]
            default:
                return nil
            }
        }
        return node
    }

    /// A YAML null (`null`, `~` or nothing).
    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return ["null", "Null", "NULL", "~", ""].contains(scalar.string) }
        return false
    }

    /// `'text'` for a scalar, `a mapping`, `a list`.
    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Node.Scalar.Type: return "a single value"
        case is Node.Sequence.Type: return "a list"
        case is Node.Mapping.Type: return "a mapping"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array<") { return "a list" }
            if name.hasPrefix("Dictionary<") || type is Decodable.Type { return "a mapping" }
            return name
        }
    }

    private static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}

extension KeyedDecodingContainer {
    /// `decode(type, forKey:)`, but a list or mapping where a single value belongs is reported as a
    /// mismatch of `type` itself (`expected an integer, found a list`), not of YAML's scalar node.
    public func strictDecode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        do { return try decode(type, forKey: key) } catch DecodingError.typeMismatch(let expected, let context) where expected is Node.Scalar.Type {
            throw DecodingError.typeMismatch(type, context)
        }
    }

    /// `decodeIfPresent(type, forKey:)` with the mismatch reporting of `strictDecode`.
    public func strictDecodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        do { return try decodeIfPresent(type, forKey: key) } catch DecodingError.typeMismatch(let expected, let context) where expected is Node.Scalar.Type {
            throw DecodingError.typeMismatch(type, context)
        }
    }
}
