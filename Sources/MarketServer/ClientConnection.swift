// Noticing that an HTTP client went away while its request is still being worked on, so its work can stop.
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One client connection as the request handlers see it: open until the client closes its side (a TCP FIN, which
/// the server sees as an input half-close because Hummingbird allows remote half-closure) or the connection
/// drops (reset, error, server close); then every `onClose` action registered and not yet removed runs once.
///
/// Why not Hummingbird's `RequestBody.consumeWithCancellationOnInboundClose`: it consumes the request body
/// (a precondition fails on a body already collected, as a forecast's JSON is) and closes the connection after
/// every response, so keep-alive clients lose their connection. Why not `channel.closeFuture`: with half-closure
/// allowed, a client's close leaves the channel open until the server writes, and a future's callbacks cannot be
/// removed, so one per request would pile up on a keep-alive connection. Here actions live only while their
/// request runs (`remove`), so the memory held is bounded by the requests in flight.
///
/// A client that half-closes its sending side on purpose while it still waits for the answer (rare for HTTP/1.1)
/// is treated as gone, as nginx does (its status 499).
public final class ClientConnection: Sendable {
    private struct State {
        var closed = false
        var nextToken = 0
        var actions: [Int: @Sendable () -> Void] = [:]
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// True once the client closed its side or the connection dropped.
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Actions registered and not yet run or removed (0 between requests).
    public var pendingActions: Int { state.withLockedValue { $0.actions.count } }

    /// Registers `action` to run once when the client goes away; returns a token for `remove`, or nil when the
    /// client is already gone (then `action` has run before this returns).
    @discardableResult
    public func onClose(_ action: @escaping @Sendable () -> Void) -> Int? {
        let token = state.withLockedValue { state -> Int? in
            guard !state.closed else { return nil }
            state.nextToken += 1
            state.actions[state.nextToken] = action
            return state.nextToken
        }
        if token == nil { action() }
        return token
    }

    /// Forgets the action of `token` (no-op once it ran or was removed).
    public func remove(_ token: Int) { _ = state.withLockedValue { $0.actions.removeValue(forKey: token) } }

    /// Marks the client gone and runs the registered actions (once; later calls do nothing).
    public func close() {
        let actions = state.withLockedValue { state -> [@Sendable () -> Void] in
            guard !state.closed else { return [] }
            state.closed = true
            defer { state.actions.removeAll() }
            return state.actions.sorted { $0.key < $1.key }.map(\.value)
        }
        for action in actions { action() }
    }

    // MARK: the connections of the process, by channel

    private static let open = NIOLockedValueBox([ObjectIdentifier: ClientConnection]())

    /// The connection watched on `channel` (nil for channels without a `Handler`, e.g. the router tests').
    public static func of(_ channel: any Channel) -> ClientConnection? {
        open.withLockedValue { $0[ObjectIdentifier(channel)] }
    }

    /// Connections currently watched (0 once every client connection has closed).
    public static var watchedCount: Int { open.withLockedValue { $0.count } }

    /// The channel handler that watches one connection (added to every HTTP/1 connection of `marketgpt serve`
    /// through Hummingbird's `additionalChannelHandlers`): it passes every message on unchanged and closes its
    /// `ClientConnection` on an input half-close or when the channel goes inactive.
    public final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        public typealias InboundIn = NIOAny
        public typealias InboundOut = NIOAny
        private let connection = ClientConnection()
        private var key: ObjectIdentifier?

        public init() {}

        public func handlerAdded(context: ChannelHandlerContext) {
            let key = ObjectIdentifier(context.channel)
            self.key = key
            let connection = self.connection
            ClientConnection.open.withLockedValue { $0[key] = connection }
        }

        public func handlerRemoved(context: ChannelHandlerContext) { forget() }

        public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { connection.close() }
            context.fireUserInboundEventTriggered(event)
        }

        public func channelInactive(context: ChannelHandlerContext) {
            forget()
            context.fireChannelInactive()
        }

        /// Closes the connection and drops it from the table (idempotent).
        private func forget() {
            connection.close()
            guard let key else { return }
            self.key = nil
            ClientConnection.open.withLockedValue { _ = $0.removeValue(forKey: key) }
        }
    }
}

/// A request context that can tell whether the request's client is still connected.
public protocol ClientConnectionContext: RequestContext {
    /// The request's connection (nil where no `ClientConnection.Handler` watches it).
    var clientConnection: ClientConnection? { get }
}

/// The request context of `marketgpt serve`: Hummingbird's basics plus the client's connection.
public struct ServeRequestContext: ClientConnectionContext {
    public var coreContext: CoreRequestContextStorage
    public let clientConnection: ClientConnection?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientConnection = ClientConnection.of(source.channel)
    }
}
