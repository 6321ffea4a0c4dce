import FolioTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Each rule of the server's security, with the attack it stops.
@Suite("folio serve: security rules, each with its attack", .serialized)
struct SecurityTests {
    @Test("DNS rebinding: a request naming another Host is refused")
    func foreignHost() throws {
        let f = try Fixture.get()
        let reply = try f.server.request("GET", "/api/v1/documents", headers: ["Host": "evil.example:\(f.server.port)"])
        #expect(reply.status == 403)
        #expect(reply.errorCode == "forbidden_host")
        #expect(!reply.text.contains("reactor.pdf"))
        #expect(try f.server.request("GET", "/api/v1/health", headers: ["Host": "localhost:\(f.server.port)"]).status == 200)
        #expect(try f.server.request("GET", "/", headers: ["Host": "attacker.test"]).status == 403)
    }

    @Test("CSRF: a page of another site cannot post or delete")
    func foreignOrigin() throws {
        let f = try Fixture.get()
        let before = try f.server.request("GET", "/api/v1/documents").array().count
        let post = try f.server.request("POST", "/api/v1/ask", headers: ["Origin": "https://evil.example",
                                                                         "Content-Type": "text/plain"],
                                        body: Data("{\"question\":\"x\"}".utf8))
        #expect(post.status == 403)
        #expect(post.errorCode == "forbidden_origin")
        let delete = try f.server.request("DELETE", "/api/v1/documents/\(f.orchardID)",
                                          headers: ["Origin": "http://127.0.0.1:1"])
        #expect(delete.status == 403)
        let fetchSite = try f.server.request("DELETE", "/api/v1/documents/\(f.orchardID)",
                                             headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(fetchSite.status == 403)
        let nullOrigin = try f.server.request("POST", "/api/v1/documents", headers: ["Origin": "null"])
        #expect(nullOrigin.status == 403)
        #expect(try f.server.request("GET", "/api/v1/documents").array().count == before)
        // The app's own page may.
        let own = try f.server.json("POST", "/api/v1/ask", ["question": "What grows in the Quillon orchard?"],
                                    headers: ["Origin": "http://127.0.0.1:\(f.server.port)"])
        #expect(own.status == 200)
    }

    @Test("every response carries the browser-hardening headers, errors too")
    func hardeningHeaders() throws {
        let f = try Fixture.get()
        for reply in [try f.server.request("GET", "/"), try f.server.request("GET", "/api/v1/health"),
                      try f.server.request("GET", "/api/v1/nope")] {
            #expect(reply.headers["x-content-type-options"] == "nosniff")
            #expect(reply.headers["referrer-policy"] == "no-referrer")
            #expect(reply.headers["x-frame-options"] == "DENY")
            let csp = reply.headers["content-security-policy"] ?? ""
            #expect(csp.contains("script-src 'self'"))
            #expect(!csp.contains("unsafe-inline"))
        }
        let page = try f.server.request("GET", "/")
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(!page.text.contains("<script>"))  // no inline script: the CSP would block it
        #expect(try f.server.request("GET", "/..%2F..%2Fetc%2Fpasswd").status == 404)
        #expect(try f.server.request("GET", "/Package.swift").status == 404)
    }

    @Test("slowloris: a client that never finishes its headers is cut off")
    func slowHeaders() throws {
        let f = try Fixture.get()  // started with --header-timeout 2
        let connection = try RawConnection(port: f.server.port, timeout: 10)
        try connection.send(Data("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8))
        let started = Date()
        #expect(connection.isClosedByPeer())
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 1.5 && waited < 8, "closed after \(waited) s")
        #expect(try f.server.request("GET", "/api/v1/health").status == 200)
    }

    @Test("a stalled upload body is cut off")
    func slowBody() throws {
        let f = try Fixture.get()  // --body-timeout 2
        let connection = try RawConnection(port: f.server.port, timeout: 10)
        try connection.send(Data("POST /api/v1/documents?filename=slow.pdf HTTP/1.1\r\nHost: 127.0.0.1:\(f.server.port)\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-1.4\n".utf8))
        let started = Date()
        _ = connection.readAll()
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 1.5 && waited < 8, "closed after \(waited) s")
        let incoming = f.server.store.appendingPathComponent("uploads/.incoming")
        usleep(300_000)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? []).isEmpty)
    }

    @Test("Expect: 100-continue is answered, so curl does not wait before uploading")
    func expectContinue() throws {
        let f = try Fixture.get()
        let connection = try RawConnection(port: f.server.port, timeout: 5)
        let body = Data("{\"question\": \"Which coolant does the Zorblax reactor use?\"}".utf8)
        try connection.send(Data("POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1:\(f.server.port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n".utf8))
        var first = [UInt8](repeating: 0, count: 25)
        let n = recv(connection.fd, &first, first.count, 0)
        #expect(n > 0)
        #expect(String(decoding: first.prefix(max(0, n)), as: UTF8.self).hasPrefix("HTTP/1.1 100"))
        try connection.send(body)
        let reply = try connection.readReply()
        #expect(reply.status == 200)
        #expect((try reply.object()["answer"] as? String ?? "").contains("argon"))
    }

    @Test("with a token, every API request needs it; the token is compared whole")
    func token() throws {
        let token = "s3cret-token-\(UUID().uuidString)"
        let server = try LiveServer(arguments: ["--token-env", "FOLIO_TEST_TOKEN"], environment: ["FOLIO_TEST_TOKEN": token])
        defer { server.stop() }
        #expect(try server.request("GET", "/api/v1/health").status == 401)
        #expect(try server.request("GET", "/api/v1/health", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try server.request("GET", "/api/v1/health", headers: ["Authorization": "Bearer " + token.dropLast()]).status == 401)
        #expect(try server.request("GET", "/api/v1/health", headers: ["Authorization": "Bearer " + token + "x"]).status == 401)
        let ok = try server.request("GET", "/api/v1/health", headers: ["Authorization": "Bearer " + token])
        #expect(ok.status == 200)
        let unauthorized = try server.request("GET", "/api/v1/documents")
        #expect(unauthorized.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(unauthorized.errorCode == "unauthorized")
        // The app's page itself holds no data and loads without the token.
        #expect(try server.request("GET", "/").status == 200)
    }

    @Test("binding beyond loopback without a token refuses to start")
    func exposedWithoutToken() throws {
        let process = Process()
        process.executableURL = try LiveServer.binary()
        let store = try TestPaths.temporaryDirectory("folio-serve-exposed")
        process.arguments = ["serve", "--store", store.path, "--host", "0.0.0.0", "--port", "0"]
        var env = ProcessInfo.processInfo.environment
        env["FOLIO_MODEL"] = TestPaths.model.path
        process.environment = env
        let err = Pipe()
        process.standardError = err
        try process.run()
        let output = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("--token-env"))
        #expect(!output.contains("Folio is serving"))
        // The token never goes on the command line.
        let help = Process()
        help.executableURL = try LiveServer.binary()
        help.arguments = ["serve", "--token", "abc"]
        help.standardError = FileHandle.nullDevice
        help.standardOutput = FileHandle.nullDevice
        try help.run()
        help.waitUntilExit()
        #expect(help.terminationStatus != 0)
    }
}
