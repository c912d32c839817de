// The real `marketgpt serve` binary on a free 127.0.0.1 port, for the end-to-end, browser and schemathesis tests.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A running `marketgpt serve` child process; `stop()` sends SIGTERM and waits for its exit.
final class LiveServer {
    let process = Process()
    let port: Int
    let logURL: URL
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the server in `directory` with `arguments` after `serve` and waits until /health answers.
    init(directory: URL, arguments: [String], environment: [String: String] = [:]) throws {
        port = try Self.freePort()
        logURL = directory.appendingPathComponent("serve-\(port).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = ServerFixture.binary
        process.arguments = ["serve"] + arguments + ["--port", String(port)]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? request("/health").status) == 200 { return }
            guard process.isRunning else { throw NSError(domain: "serve exited: " + log(), code: 1) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw NSError(domain: "serve did not answer /health in 60 s: " + log(), code: 1)
    }

    /// The server's stderr so far.
    func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// One HTTP request (synchronous), returning status, headers and body.
    func request(_ path: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:],
                 timeout: Double = 60) throws -> (status: Int, body: Data, headers: [AnyHashable: Any]) {
        var request = URLRequest(url: URL(string: base + path)!, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        let done = DispatchSemaphore(value: 0)
        var result: (Int, Data, [AnyHashable: Any])?
        var failure: Error?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse { result = (http.statusCode, data ?? Data(), http.allHeaderFields) } else { failure = error }
            done.signal()
        }.resume()
        done.wait()
        if let result { return result }
        throw failure ?? NSError(domain: "no response", code: 1)
    }

    /// SIGTERM, then waits (at most `timeout` s) for the exit; returns the exit status.
    @discardableResult
    func stop(timeout: Double = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL); return nil }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A port the kernel reports free on 127.0.0.1 (bind to 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "socket", code: 1) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw NSError(domain: "bind", code: 1) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Writes the fixture's serve config (`serve.yaml`) into the workspace and returns its path.
    static func writeConfig(_ directory: URL, name: String = "serve.yaml", extra: String = "") throws -> String {
        let text = """
            run: t
            universe: demo.yaml
            data: data
            samples: \(ServerFixture.samples)
            seed: \(ServerFixture.seed)
            jobs: runs/serve/jobs-\(UUID().uuidString.prefix(8))
            \(extra)
            """
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }
}
