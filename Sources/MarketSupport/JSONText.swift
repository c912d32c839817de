// JSON text pieces through Foundation's encoder, for the few files whose byte layout is fixed by hand
// (signal files, safetensors headers): no hand-written escaping anywhere.
import Foundation

/// JSON fragments produced by `JSONEncoder` (so escaping follows RFC 8259 exactly once, in Foundation).
public enum JSONText {
    /// `s` as a JSON string literal with its quotes, e.g. `"a\"b"`; `/` is not escaped.
    public static func quoted(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding a String cannot fail: it is always representable.
        return String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
