import FolioTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("folio serve --llm: generated answers streamed, and cut off when the client goes", .serialized)
struct GeneratedAnswerTests {
    @Test("with the real llama-server: sources, tokens as they come, then the checked answer",
          .enabled(if: LLMTestServer.available, "no FOLIO_TEST_LLM_URL (outside CI)"))
    func streamedFromLlamaServer() throws {
        let url = try LLMTestServer.requireURL()
        let server = try LiveServer(arguments: ["--llm", url, "--llm-context", "2048"])
        defer { server.stop() }
        let folder = try TestPaths.temporaryDirectory("folio-serve-llm")
        let pdf = folder.appendingPathComponent("terns.pdf")
        try TestPDF.write(pages: [["Arctic terns migrate about seventy thousand kilometres every year.",
                                   "They breed in the Arctic and spend the northern winter near Antarctica."]], to: pdf)
        let upload = try server.upload([("terns.pdf", try Data(contentsOf: pdf))])
        let id = try #require(((try upload.object()["files"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? String)
        #expect(try server.waitForJob(id)["state"] as? String == "done")
        let reply = try server.json("POST", "/api/v1/ask", ["question": "How far do arctic terns migrate?",
                                                            "llm": true, "stream": true])
        let events = ServerSentEvents.parse(reply.text)
        #expect(events.first?.name == "sources")
        #expect(events.contains { $0.name == "token" }, "\(reply.text.prefix(500))")
        #expect(events.last?.name == "answer")
        let answer = try #require(events.last?.object)
        #expect(answer["generated"] is [String: Any], "\(answer)")
        #expect((answer["generator"] as? [String: Any])?["url"] as? String != nil)
        // The generated text is the tokens, joined.
        let tokens = events.filter { $0.name == "token" }.compactMap { $0.object?["text"] as? String }.joined()
        #expect((answer["generated"] as? [String: Any])?["raw"] as? String == tokens)
    }

    @Test("a client that disconnects cuts the LLM request off")
    func disconnectCancels() throws {
        let llm = try SlowLLM()
        defer { llm.stop() }
        let server = try LiveServer(arguments: ["--llm", llm.baseURL, "--llm-model", "slow", "--engines", "1"])
        defer { server.stop() }
        let folder = try TestPaths.temporaryDirectory("folio-serve-cancel")
        let pdf = folder.appendingPathComponent("owls.pdf")
        try TestPDF.write(pages: [["Snowy owls hunt lemmings across the open tundra in daylight."]], to: pdf)
        let upload = try server.upload([("owls.pdf", try Data(contentsOf: pdf))])
        let id = try #require(((try upload.object()["files"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? String)
        #expect(try server.waitForJob(id)["state"] as? String == "done")

        let body = Data("{\"question\": \"What do snowy owls hunt?\", \"llm\": true, \"stream\": true}".utf8)
        let connection = try RawConnection(port: server.port, timeout: 30)
        try connection.send(Data("POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        // Read until the first token arrives, then go away.
        var seen = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("event: token") && Date() < deadline {
            let n = recv(connection.fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            seen += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        #expect(seen.contains("event: token"), "\(seen)")
        let closedAt = Date()
        shutdown(connection.fd, Int32(SHUT_RDWR))
        // The fake LLM would stream for 30 s; Folio must hang up on it within a few pieces.
        let cut = llm.waitForHangUp(timeout: 20)
        #expect(cut != nil, "the LLM request went on after the client left")
        if let cut { #expect(cut.timeIntervalSince(closedAt) < 5) }
        // And the engine is free again: an extractive answer comes at once.
        let next = try server.json("POST", "/api/v1/ask", ["question": "What do snowy owls hunt?"])
        #expect(next.status == 200)
    }
}

/// An OpenAI-compatible chat server that streams one token every 200 ms for 30 s, and notes when its client hangs up.
final class SlowLLM: @unchecked Sendable {  // `hungUp` and `stopped` are guarded by `lock`
    let listener: Int32
    let port: Int
    private let lock = NSLock()
    private var hungUp: Date?
    private var stopped = false
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 4)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: bound.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    private func serve() {
        while !lock.withLock({ stopped }) {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            _ = recv(client, &buffer, buffer.count, 0)  // the request (small)
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
            var ok = write(client, head)
            for index in 0..<150 where ok {
                let chunk = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"owl\(index) \"}}]}"
                ok = write(client, "data: \(chunk)\n\n")
                usleep(200_000)
            }
            if !ok { lock.withLock { if hungUp == nil { hungUp = Date() } } }
            close(client)
        }
    }

    private func write(_ fd: Int32, _ text: String) -> Bool {
        let data = Array(text.utf8)
        return data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, data.count, Int32(MSG_NOSIGNAL)) } == data.count
    }

    func waitForHangUp(timeout: TimeInterval) -> Date? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let date = lock.withLock({ hungUp }) { return date }
            usleep(50_000)
        }
        return nil
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
