// A decoding failure as one line: the key path it happened at and why (for file errors and API answers).
import Foundation

extension DecodingError {
    /// One line: `missing key 'k'` or `a.b.c: reason` — the coding path joined by dots (array indices as numbers) and the
    /// decoder's reason (e.g. `calibration.rolling.crypto.window_days: must be in 1...36525, found 0`).
    public var pathDescription: String {
        switch self {
        case .keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing key '\(path)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return ((path.isEmpty ? "" : "\(path): ") + context.debugDescription).replacingOccurrences(of: "\n", with: " ")
        @unknown default:
            return String(describing: self).replacingOccurrences(of: "\n", with: " ")
        }
    }
}
