// A real HTTP server on 127.0.0.1 (SwiftNIO) that answers with scripted responses: provider fixtures and a webhook
// receiver, for the tests and for `marketgpt bench --only ops` (which has no other server to fetch from).
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One scripted answer.
public struct FixtureResponse: Sendable {
    public var status: HTTPResponseStatus = .ok
    public var headers: [(String, String)] = []
    public var body: [UInt8] = []
    /// Announce the full Content-Length but send only this many bytes, then close (a truncated body).
    public var truncateAfter: Int?
    /// Wait this long before answering (time-outs).
    public var delay: TimeAmount?

    public init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], body: [UInt8] = [],
                truncateAfter: Int? = nil, delay: TimeAmount? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncateAfter = truncateAfter
        self.delay = delay
    }

    public static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "application/json") -> FixtureResponse {
        FixtureResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}

/// A request as received.
public struct FixtureRequest: Sendable {
    public var method: String
    public var uri: String
    public var body: [UInt8]
    public var headers: [(String, String)]
}

/// HTTP/1.1 server on 127.0.0.1 and an ephemeral port; `handle` decides each answer.
public final class FixtureServer: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel!
    private let lock = NSLock()
    private var received: [FixtureRequest] = []
    public let handle: @Sendable (FixtureRequest) -> FixtureResponse

    public init(handle: @escaping @Sendable (FixtureRequest) -> FixtureResponse) throws {
        self.handle = handle
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(FixtureHandler(server: self))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    }

    public var port: Int { channel.localAddress!.port! }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    public var requests: [FixtureRequest] {
        lock.lock(); defer { lock.unlock() }
        return received
    }

    func record(_ request: FixtureRequest) {
        lock.lock(); defer { lock.unlock() }
        received.append(request)
    }

    /// Closes the listening socket and stops the event loop.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One connection of a `FixtureServer`: collects each request and writes the scripted answer.
final class FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: FixtureServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(server: FixtureServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = FixtureRequest(method: head.method.rawValue, uri: head.uri, body: body,
                                         headers: head.headers.map { ($0.name, $0.value) })
            server.record(request)
            let response = server.handle(request)
            let respond = { [self] in self.write(response, version: head.version, context: context) }
            if let delay = response.delay {
                context.eventLoop.scheduleTask(in: delay) { respond() }
            } else {
                respond()
            }
        }
    }

    private func write(_ response: FixtureResponse, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if let cut = response.truncateAfter {
            let buffer = context.channel.allocator.buffer(bytes: response.body.prefix(cut))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).whenComplete { _ in context.close(promise: nil) }
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Provider-format bodies for fixtures.
public enum ProviderFixtures {
    /// One bar for a fixture: nil prices become JSON `null`.
    public struct Bar: Sendable {
        public var date: String
        public var open: Double?, high: Double?, low: Double?, close: Double?, adjClose: Double?, volume: Double?
        public init(_ date: String, _ open: Double?, _ high: Double?, _ low: Double?, _ close: Double?, adj: Double? = nil, volume: Double? = 1000) {
            self.date = date
            self.open = open; self.high = high; self.low = low; self.close = close
            adjClose = adj ?? close
            self.volume = volume
        }
    }

    /// Yahoo's chart JSON for `bars` (timestamps at 14:30 UTC, `gmtoffset` −18000 as for New York).
    public static func yahoo(_ symbol: String, _ bars: [Bar]) -> String {
        func list(_ values: [Double?]) -> String { "[" + values.map { $0.map { String($0) } ?? "null" }.joined(separator: ",") + "]" }
        let timestamps = bars.map { bar -> String in
            let day = Int(ISO8601DateFormatter().date(from: bar.date + "T14:30:00Z")!.timeIntervalSince1970)
            return String(day)
        }
        if bars.isEmpty {
            return #"{"chart":{"result":[{"meta":{"symbol":"\#(symbol)","gmtoffset":-18000},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}"#
        }
        return #"{"chart":{"result":[{"meta":{"currency":"USD","symbol":"\#(symbol)","gmtoffset":-18000},"timestamp":[\#(timestamps.joined(separator: ","))],"#
            + #""indicators":{"quote":[{"open":\#(list(bars.map(\.open))),"high":\#(list(bars.map(\.high))),"low":\#(list(bars.map(\.low))),"#
            + #""close":\#(list(bars.map(\.close))),"volume":\#(list(bars.map(\.volume)))}],"adjclose":[{"adjclose":\#(list(bars.map(\.adjClose)))}]}}],"error":null}}"#
    }

    /// Yahoo's error object for an unknown symbol (sent with HTTP 404).
    public static let yahooNotFound = #"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#

    /// Stooq's daily CSV.
    public static func stooq(_ bars: [Bar]) -> String {
        "Date,Open,High,Low,Close,Volume\n" + bars.map { b in
            [b.date, b.open.map { String($0) } ?? "", b.high.map { String($0) } ?? "", b.low.map { String($0) } ?? "",
             b.close.map { String($0) } ?? "", String(Int(b.volume ?? 0))].joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }
}
