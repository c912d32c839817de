// Builds the Hummingbird application: middleware, the JSON API under /v1, /health, /openapi.json, /docs and the dashboard.
import Foundation
import MarketSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The `marketgpt serve` application.
public enum MarketServer {
    /// The router with every route and middleware (also what the endpoint tests drive).
    public static func router(_ state: ServerState) -> Router<ServeRequestContext> {
        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: APIMiddleware(logger: state.logger, timeout: state.config.requestTimeoutSeconds))
        router.add(middleware: BearerTokenMiddleware(token: state.token))
        APIRoutes.add(to: router, state: state)
        SynthRoutes.add(to: router, state: state)
        DashboardRoutes.add(to: router, state: state)
        return router
    }

    /// The application bound to the config's host and port. Every connection is watched
    /// (`ClientConnection.Handler`), so a request whose client disconnects stops its work at once.
    public static func application(_ state: ServerState,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(state),
                    server: .http1(configuration: .init(additionalChannelHandlers: [ClientConnection.Handler()])),
                    configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "marketgpt/\(state.version)"),
                    onServerRunning: onServerRunning, logger: state.logger)
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, stops the forecasts in flight or queued (`Blocking.stopAll`:
    /// their scoring ends at its next pass, their requests get an error) and returns once the requests in flight
    /// are answered. With `warm_start` the latest date is scored in the background first (`/health` says `warming`).
    public static func run(_ state: ServerState) async throws {
        let app = application(state) { channel in
            state.logger.info("listening", metadata: ["address": .string("\(channel.localAddress.map { "\($0)" } ?? "?")")])
        }
        if state.config.warmStart { state.forecasts.warmLatest(logger: state.logger) }
        // A service group shuts its services down in reverse order: the work stopper first, then the server.
        let group = ServiceGroup(configuration: .init(services: [app, WorkStopper(logger: state.logger)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: state.logger))
        try await group.run()
        state.logger.info("stopped")
    }

    /// Waits for the graceful shutdown, then stops all blocking work (so the server's own shutdown does not
    /// wait for forecasts nobody will read).
    struct WorkStopper: Service {
        let logger: Logger

        func run() async throws {
            try? await gracefulShutdown()
            let pending = Blocking.pendingCount
            Blocking.stopAll()
            logger.info("shutting down", metadata: ["stopped_work": .stringConvertible(pending)])
        }
    }
}
