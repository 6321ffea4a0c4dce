import FolioTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `folio serve` process on an ephemeral port of 127.0.0.1, as a user starts it.
final class LiveServer: @unchecked Sendable {  // used from one test at a time; `log` is guarded by `lock`
    let process = Process()
    let store: URL
    private(set) var port = 0
    private let lock = NSLock()
    private var logText = ""

    /// Starts `folio serve --store STORE --port 0 ARGUMENTS` and waits for its start-up line.
    init(store: URL? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws {
        self.store = try store ?? TestPaths.temporaryDirectory("folio-serve")
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--store", self.store.path, "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["FOLIO_MODEL"] = TestPaths.model.path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.logText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        ServerRegistry.shared.add(process.processIdentifier)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("Folio is serving") }),
               let portText = line.split(separator: ":").last?.filter(\.isNumber), let port = Int(portText) {
                self.port = port
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        process.terminate()
        throw FolioTestFailure("folio serve did not start: \(log)")
    }

    var log: String { lock.withLock { logText } }

    static func binary() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["FOLIO_BIN"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          TestPaths.repoRoot.appendingPathComponent(".build/debug")]
            .map { $0.appendingPathComponent("folio") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw FolioTestFailure("folio binary not found; run `swift build` first")
        }
        return found
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 120) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); return nil }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    // MARK: requests

    /// A request with the usual headers (`Host: 127.0.0.1:PORT`, a `Content-Length` for `body`).
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data(),
                 timeout: TimeInterval = 60) throws -> HTTPReply {
        var fields = ["Host": "127.0.0.1:\(port)", "Connection": "close"]
        if !body.isEmpty || method == "POST" { fields["Content-Length"] = String(body.count) }
        for (key, value) in headers { fields[key] = value }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(key): \(value)\r\n" }
        head += "\r\n"
        let connection = try RawConnection(port: port, timeout: timeout)
        try connection.send(Data(head.utf8) + body)
        return try connection.readReply()
    }

    func json(_ method: String, _ path: String, _ object: Any? = nil, headers: [String: String] = [:]) throws -> HTTPReply {
        var headers = headers
        var body = Data()
        if let object {
            body = try JSONSerialization.data(withJSONObject: object)
            headers["Content-Type"] = "application/json"
        }
        return try request(method, path, headers: headers, body: body)
    }

    /// Uploads files as `multipart/form-data`, field `file`.
    func upload(_ files: [(name: String, data: Data)], headers: [String: String] = [:]) throws -> HTTPReply {
        let boundary = "folio-test-\(UUID().uuidString)"
        var body = Data()
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
            body += file.data
            body += Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var headers = headers
        headers["Content-Type"] = "multipart/form-data; boundary=\(boundary)"
        return try request("POST", "/api/v1/documents", headers: headers, body: body)
    }

    /// Polls a job until it is done or failed.
    func waitForJob(_ id: String, timeout: TimeInterval = 300) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = try request("GET", "/api/v1/jobs/\(id)").object()
            if let state = job["state"] as? String, state == "done" || state == "failed" { return job }
            usleep(100_000)
        }
        throw FolioTestFailure("job \(id) did not finish within \(timeout) s")
    }
}

/// A parsed HTTP/1.1 response.
struct HTTPReply {
    var status: Int
    var headers: [String: String]  // lowercased names
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw FolioTestFailure("not a JSON object: \(text.prefix(300))")
        }
        return object
    }

    func array() throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw FolioTestFailure("not a JSON array: \(text.prefix(300))")
        }
        return array
    }

    /// The `error.code` of an error reply.
    var errorCode: String? {
        ((try? object())?["error"] as? [String: Any])?["code"] as? String
    }
}

/// A TCP connection to the server on 127.0.0.1 that sends exactly the bytes it is given.
final class RawConnection {
    let fd: Int32

    init(port: Int, timeout: TimeInterval = 60) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FolioTestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw FolioTestFailure("cannot connect to 127.0.0.1:\(port)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all of `data`; false when the peer closed the connection.
    @discardableResult
    func send(_ data: Data) throws -> Bool {
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, data.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Everything until the server closes the connection (or the receive timeout).
    func readAll() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    /// True when the server has closed the connection (a read returns end of file).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Reads one response (the connection is `close`, so up to end of file; chunked bodies are decoded).
    func readReply() throws -> HTTPReply {
        let data = readAll()
        return try Self.parse(data)
    }

    static func parse(_ raw: Data) throws -> HTTPReply {
        var data = raw
        // Skip informational responses (100 Continue).
        while true {
            guard let end = data.range(of: Data("\r\n\r\n".utf8)) else {
                throw FolioTestFailure("no complete HTTP response: \(String(decoding: raw.prefix(200), as: UTF8.self))")
            }
            let head = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let rest = Data(data[end.upperBound...])
            if status >= 100 && status < 200 { data = rest; continue }
            var body = rest
            if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(rest) }
            return HTTPReply(status: status, headers: headers, body: body)
        }
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = min(data.endIndex, start + size)
            out += data[start..<end]
            index = min(data.endIndex, end + 2)
        }
        return out
    }
}

struct FolioTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Every server a test started, stopped when the test process exits (a shared fixture is never deinitialized).
final class ServerRegistry: @unchecked Sendable {  // `lock` guards `pids`
    static let shared = ServerRegistry()
    private let lock = NSLock()
    private var pids: [Int32] = []

    private init() {
        atexit { ServerRegistry.shared.terminateAll() }
    }

    func add(_ pid: Int32) { lock.withLock { pids.append(pid) } }

    func terminateAll() {
        for pid in lock.withLock({ pids }) { kill(pid, SIGKILL) }
    }
}
