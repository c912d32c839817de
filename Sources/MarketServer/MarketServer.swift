// Builds the Hummingbird application: middleware, the JSON API under /v1, /health, /openapi.json, /docs and the dashboard.
import Foundation
import MarketSupport
import Hummingbird
import Logging
import NIOCore

/// The `marketgpt serve` application.
public enum MarketServer {
    /// The router with every route and middleware (also what the endpoint tests drive).
    public static func router(_ state: ServerState) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIMiddleware(logger: state.logger, timeout: state.config.requestTimeoutSeconds))
        router.add(middleware: BearerTokenMiddleware(token: state.token))
        APIRoutes.add(to: router, state: state)
        SynthRoutes.add(to: router, state: state)
        DashboardRoutes.add(to: router, state: state)
        return router
    }

    /// The application bound to the config's host and port.
    public static func application(_ state: ServerState,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(state),
                    configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "marketgpt/\(state.version)"),
                    onServerRunning: onServerRunning, logger: state.logger)
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight and returns.
    public static func run(_ state: ServerState) async throws {
        let app = application(state) { channel in
            state.logger.info("listening", metadata: ["address": .string("\(channel.localAddress.map { "\($0)" } ?? "?")")])
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        state.logger.info("stopped")
    }
}
