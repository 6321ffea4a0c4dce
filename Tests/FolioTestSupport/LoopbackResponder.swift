import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP responder on 127.0.0.1 for the failures a real LLM server cannot be made to produce: it reads one
/// request per connection and writes canned bytes back, or holds the connection silent.
public final class LoopbackResponder: @unchecked Sendable {
    public enum Behaviour: Sendable {
        /// Writes these pieces in order (each its own `write`), then closes.
        case respond([Data])
        /// Reads the request and never answers, until the responder stops.
        case silent
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private let listener: Int32
    private let behaviour: Behaviour
    private let lock = NSLock()
    private var requests: [String] = []
    private var open: [Int32] = []
    private var stopped = false
    private let closed = DispatchSemaphore(value: 0)

    /// Starts listening on a free loopback port.
    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportFailure("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw TestSupportFailure("bind/listen on 127.0.0.1 failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// A response with these headers and body pieces (`Connection: close`, no length: the body ends at close).
    public static func http(status: String = "200 OK", contentType: String, pieces: [String]) -> Behaviour {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nConnection: close\r\n\r\n"
        return .respond([Data(head.utf8)] + pieces.map { Data($0.utf8) })
    }

    /// The requests received so far (head and body as text).
    public var received: [String] { lock.withLock { requests } }

    /// Stops accepting and ends open connections. The accept thread closes the listening socket itself, so its
    /// descriptor cannot be reused by another responder while `accept` still waits on it.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    deinit { stop() }

    /// A loopback port nothing listens on (bound, read and closed at once).
    public static func unusedPort() throws -> Int {
        let responder = try LoopbackResponder(.silent)
        let port = responder.port
        responder.stop()
        responder.closed.wait()
        return port
    }

    private func acceptLoop() {
        defer {
            close(listener)
            closed.signal()
        }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let accepted = lock.withLock { () -> Bool in
                if stopped { return false }
                open.append(connection)
                return true
            }
            guard accepted else { close(connection); return }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            lock.withLock {
                open.removeAll { $0 == connection }
                close(connection)
            }
        }
        let request = readRequest(connection)
        lock.withLock { requests.append(request) }
        switch behaviour {
        case .respond(let pieces):
            for piece in pieces {
                let written = piece.withUnsafeBytes { send(connection, $0.baseAddress, piece.count, Int32(MSG_NOSIGNAL)) }
                if written < 0 { return }
            }
            shutdown(connection, Int32(SHUT_WR))
            var byte: UInt8 = 0
            while recv(connection, &byte, 1, 0) > 0 {}  // until the client closes: it has read everything
        case .silent:
            var byte: UInt8 = 0
            while recv(connection, &byte, 1, 0) > 0 {}  // until the client gives up or `stop` shuts it down
        }
    }

    /// Reads the head and a `Content-Length` body.
    private func readRequest(_ connection: Int32) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var expected: Int?
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if expected == nil, let end = data.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end.upperBound + length
            }
            if let expected, data.count >= expected { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The real llama.cpp server the LLM integration tests talk to: `$FOLIO_TEST_LLM_URL`, which `scripts/test` sets
/// from `scripts/llm-server start`.
public enum LLMTestServer {
    public static var url: String? {
        ProcessInfo.processInfo.environment["FOLIO_TEST_LLM_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return value == "true" || value == "1"
    }

    /// Whether the integration tests run: with a server, or in CI, where a missing server is a failure.
    public static var available: Bool { url != nil || isCI }

    /// The server's base URL.
    /// - Throws: when `FOLIO_TEST_LLM_URL` is not set (only reached in CI: elsewhere the tests are skipped).
    public static func requireURL() throws -> String {
        guard let url else {
            throw TestSupportFailure("FOLIO_TEST_LLM_URL is not set: the LLM integration tests need the real server; "
                                   + "run them through scripts/test, which starts it with scripts/llm-server start")
        }
        return url
    }
}

/// A test-setup failure with its explanation.
public struct TestSupportFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
