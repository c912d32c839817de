// The outer middleware of every request: structured request log, per-request timeout, errors as JSON.
import Foundation
import MarketSupport
import Hummingbird
import Logging

/// Wraps every route: answers any thrown error as `{error, detail}` (unknown errors → 500, detail logged,
/// never sent), cuts a handler off after `timeout` seconds with 504 or as soon as its client disconnects (499,
/// logged; nobody reads it), and logs one structured line per
/// request (`method`, `path`, `status`, `ms`, request id) — never a header, so never a token.
public struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    public let logger: Logger
    public let timeout: Double

    public init(logger: Logger, timeout: Double) {
        self.logger = logger
        self.timeout = timeout
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await withTimeout(request, context: context, next: next)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string(String(describing: error))])
            }
            response = try apiError.response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code), "ms": .string(String(format: "%.2f", ms)),
            "id": .string(context.id),
        ])
        return response
    }

    /// `next` raced against the timeout (`RequestDeadline`: a NIO timer removed as soon as the request ends, so
    /// a long `request_timeout_s` holds no memory after the response) and, where the context knows its
    /// connection (`ClientConnectionContext`), against the client going away. On either the handler's task is
    /// cancelled (blocking work bridged with `Blocking.run` gives up its wait and is told to stop, so a forecast
    /// nobody will read leaves the queue at once); the answer is 504, or 499 for a client that has gone.
    private func withTimeout(_ request: Request, context: Context,
                             next: (Request, Context) async throws -> Response) async throws -> Response {
        let seconds = timeout
        return try await RequestDeadline.run(seconds: seconds, connection: (context as? any ClientConnectionContext)?.clientConnection,
                                             timeoutError: { APIError(.gatewayTimeout, "timeout", "the request took longer than \(seconds) s") },
                                             goneError: { APIError.clientClosed }) {
            try await next(request, context)
        }
    }
}

/// Requires `Authorization: Bearer <token>` on mutating requests (every method but GET/HEAD/OPTIONS,
/// except the read-only `POST /v1/forecast`) when a token is set. The token is compared in constant time
/// and never logged.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    public let token: String?

    public init(token: String?) { self.token = token }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, Self.isMutating(request) else { return try await next(request, context) }
        let given = request.headers[.authorization] ?? ""
        guard given.hasPrefix("Bearer "), Self.constantTimeEqual(String(given.dropFirst(7)), token) else {
            throw APIError(.unauthorized, "unauthorized", "this endpoint needs 'Authorization: Bearer <token>' (the server's token)")
        }
        return try await next(request, context)
    }

    /// True for requests that change state.
    public static func isMutating(_ request: Request) -> Bool {
        switch request.method {
        case .get, .head, .options: return false
        case .post where request.uri.path == "/v1/forecast": return false
        default: return true
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
