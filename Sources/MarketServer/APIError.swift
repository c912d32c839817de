// Every error the API answers: an HTTP status and the JSON body `{"error": short code, "detail": one line}`.
import Foundation
import MarketSupport
import Hummingbird

/// An error answered as `{"error": …, "detail": …}` with `status`. `error` is a stable short code
/// (`not_found`, `bad_request`, `unprocessable`, `unauthorized`, `payload_too_large`, `timeout`, …);
/// `detail` is one human line (for a bad CSV: the loader's reason with file, line and what).
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var error: String
    public var detail: String

    public init(_ status: HTTPResponse.Status, _ error: String, _ detail: String) {
        self.status = status
        self.error = error
        self.detail = detail.replacingOccurrences(of: "\n", with: " ")
    }

    public var description: String { "\(status.code) \(error): \(detail)" }

    public static func notFound(_ detail: String) -> APIError { APIError(.notFound, "not_found", detail) }
    public static func badRequest(_ detail: String) -> APIError { APIError(.badRequest, "bad_request", detail) }
    public static func unprocessable(_ detail: String) -> APIError { APIError(.unprocessableContent, "unprocessable", detail) }
    public static func conflict(_ detail: String) -> APIError { APIError(.conflict, "conflict", detail) }
    public static func unavailable(_ detail: String) -> APIError { APIError(.serviceUnavailable, "unavailable", detail) }
    /// The client closed its connection before the answer was ready (nginx's non-standard 499: logged, never read).
    public static let clientClosed = APIError(HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"), "client_closed",
                                              "the client closed the connection before the answer was ready")

    /// The JSON body `{"error", "detail"}`.
    public var body: Data {
        (try? JSONSerialization.data(withJSONObject: ["error": error, "detail": detail], options: [.sortedKeys])) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Maps any error thrown below the routes to an `APIError` (Hummingbird's own errors keep their status).
    public static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? HTTPError {
            let detail = error.body ?? error.status.reasonPhrase
            return APIError(error.status, code(for: error.status), detail.isEmpty ? error.status.reasonPhrase : detail)
        }
        if let error = error as? any HTTPResponseError {
            let detail = error.status == .contentTooLarge ? "the request body is larger than the server's limit (body_limit_bytes)" : "\(error)"
            return APIError(error.status, code(for: error.status), detail)
        }
        if error is CancellationError {
            return .unavailable("the work was stopped: the request went away or the server is shutting down")
        }
        if error is DecodingError { return .badRequest("malformed JSON body: \((error as! DecodingError).pathDescription)") }
        return APIError(.internalServerError, "internal", "internal error (logged)")
    }

    /// The short code of a status.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: return "not_found"
        case .contentTooLarge: return "payload_too_large"
        case .methodNotAllowed: return "method_not_allowed"
        case .unauthorized: return "unauthorized"
        case .unprocessableContent: return "unprocessable"
        case .tooManyRequests: return "too_many_requests"
        case .gatewayTimeout: return "timeout"
        default: return status.code >= 500 ? "internal" : "bad_request"
        }
    }
}
