// Typed errors for bad input data: one line naming the file, the line (or key path) and the reason.

/// An input-data error. Its `description` is one line: `file line N: reason` or `file: reason`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (path as given) the error is about.
    public var file: String
    /// 1-based line number, when the error is about one line.
    public var line: Int?
    /// What is wrong, with the offending values and a hint where one helps.
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file) line \(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
