// JSON responses from plain dictionaries: sorted keys, non-finite numbers as null, one content type.
import Foundation
import MarketSupport
import Hummingbird

/// Builds JSON responses. Values are JSON-compatible Foundation values (`[String: Any]`, arrays,
/// strings, numbers, `NSNull`); `number(_:)` turns NaN/∞ into `null` so the body is always valid JSON.
public enum JSONBody {
    /// A finite number, or `NSNull` for NaN/±∞.
    public static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
    /// Finite numbers, NaN/±∞ as `null`.
    public static func numbers(_ values: [Double]) -> [Any] { values.map(number) }

    /// Serialises `object` (sorted keys).
    public static func data(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// A JSON response with `status`.
    public static func response(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        raw(try data(object), status: status)
    }

    /// Already serialised JSON bytes as a response.
    public static func raw(_ bytes: Data, status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Reads a JSON file as a Foundation value (nil when absent or unreadable).
    public static func readFile(_ url: URL) -> Any? {
        guard let bytes = try? Data(contentsOf: url) else { return nil }
        return try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
    }
}
