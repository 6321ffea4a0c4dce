import FolioTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two generated PDFs with facts found nowhere else, uploaded once through the API to one live server.
final class Fixture: Sendable {
    let server: LiveServer
    let reactorID: Int  // the stored documents
    let orchardID: Int
    let folder: URL

    static let shared = Result { try Fixture() }

    static func get() throws -> Fixture { try shared.get() }

    static let reactorFacts = [
        "# The Zorblax reactor",
        "The Zorblax reactor runs at a core temperature of 451 kelvin during normal operation.",
        "Its coolant is liquid argon, pumped through ninety ceramic channels.",
        "The reactor was commissioned by the Halvorsen Institute in the spring of 1987.",
    ]
    static let orchardFacts = [
        "# The Quillon orchard",
        "The Quillon orchard grows seventeen varieties of blue pears on terraced slopes.",
        "Harvest begins when the night frost first touches the upper terraces.",
        "Each tree is pruned by hand with bronze shears every second winter.",
    ]

    init() throws {
        folder = try TestPaths.temporaryDirectory("folio-serve-fixture")
        server = try LiveServer(arguments: ["--max-upload-mb", "2", "--header-timeout", "2", "--body-timeout", "2"])
        let a = folder.appendingPathComponent("reactor.pdf"), b = folder.appendingPathComponent("orchard.pdf")
        try TestPDF.write(pages: [Self.reactorFacts, ["Appendix: the reactor's maintenance log is kept in Oslo."]],
                          to: a, title: "The Zorblax Reactor")
        try TestPDF.write(pages: [Self.orchardFacts], to: b, title: "The Quillon Orchard")
        let reply = try server.upload([("reactor.pdf", try Data(contentsOf: a)), ("orchard.pdf", try Data(contentsOf: b))])
        guard reply.status == 202 else { throw FolioTestFailure("upload answered \(reply.status): \(reply.text)") }
        let files = try reply.object()["files"] as? [[String: Any]] ?? []
        var documents: [[String: Any]] = []
        for file in files {
            let job = try server.waitForJob((file["job"] as? [String: Any])?["id"] as? String ?? "")
            guard job["state"] as? String == "done", let document = job["document"] as? [String: Any] else {
                throw FolioTestFailure("ingest failed: \(job)")
            }
            documents.append(document)
        }
        reactorID = documents[0]["id"] as? Int ?? -1
        orchardID = documents[1]["id"] as? Int ?? -1
    }

    /// Runs the `folio` CLI on the served store.
    func cli(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = try LiveServer.binary()
        process.arguments = arguments + ["--store", server.store.path]
        var env = ProcessInfo.processInfo.environment
        env["FOLIO_MODEL"] = TestPaths.model.path
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
    }
}

func jsonEqual(_ a: Any, _ b: Any) -> Bool {
    NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
}

@Suite("folio serve: the API on a live server", .serialized)
struct APITests {
    @Test("health and the document list describe the store")
    func health() throws {
        let f = try Fixture.get()
        let health = try f.server.request("GET", "/api/v1/health").object()
        #expect(health["status"] as? String == "ok")
        #expect(health["documents"] as? Int ?? 0 >= 2)
        #expect(health["model"] as? String == "all-MiniLM-L6-v2")
        let documents = try f.server.request("GET", "/api/v1/documents").array()
        let files = Set(documents.compactMap { $0["file"] as? String })
        #expect(files.isSuperset(of: ["reactor.pdf", "orchard.pdf"]))
        let reactor = try #require(documents.first { $0["file"] as? String == "reactor.pdf" })
        #expect(reactor["pages"] as? Int == 2)
        #expect((reactor["chunks"] as? Int ?? 0) >= 1)
        #expect((reactor["sha256"] as? String)?.count == 64)
        let one = try f.server.request("GET", "/api/v1/documents/\(f.reactorID)").object()
        #expect(one["title"] as? String == "The Zorblax Reactor")
        #expect(try f.server.request("GET", "/api/v1/documents/999999").status == 404)
        #expect(try f.server.request("GET", "/api/v1/documents/abc").status == 400)
    }

    @Test("search answers exactly the object of folio search --json")
    func searchMatchesCLI() throws {
        let f = try Fixture.get()
        let reply = try f.server.request("GET", "/api/v1/search?q=coolant%20argon&k=3")
        #expect(reply.status == 200)
        let api = try reply.object()
        let cli = try f.cli(["search", "coolant argon", "--k", "3", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let expected = try JSONSerialization.jsonObject(with: cli.stdout)
        #expect(jsonEqual(api, expected))
        let first = try #require((api["results"] as? [[String: Any]])?.first)
        #expect(first["document"] as? String == "reactor.pdf")
        // Restricted to a document, by id or by name.
        let other = try f.server.request("GET", "/api/v1/search?q=coolant&doc=\(f.orchardID)").object()
        #expect((other["results"] as? [[String: Any]] ?? []).allSatisfy { $0["document"] as? String == "orchard.pdf" })
        let named = try f.server.request("GET", "/api/v1/search?q=coolant&doc=orchard.pdf").object()
        #expect(jsonEqual(named, other))
        #expect(try f.server.request("GET", "/api/v1/search?q=").status == 400)
        #expect(try f.server.request("GET", "/api/v1/search?q=x&k=0").status == 400)
        #expect(try f.server.request("GET", "/api/v1/search?q=x&k=51").status == 400)
        #expect(try f.server.request("GET", "/api/v1/search?q=x&mode=magic").status == 400)
        #expect(try f.server.request("GET", "/api/v1/search?q=x&doc=nosuch.pdf").status == 404)
    }

    @Test("ask answers exactly the object of folio ask --json, and streams it as events")
    func askMatchesCLI() throws {
        let f = try Fixture.get()
        let question = "What is the core temperature of the Zorblax reactor?"
        let reply = try f.server.json("POST", "/api/v1/ask", ["question": question])
        #expect(reply.status == 200, "\(reply.text)")
        let api = try reply.object()
        let cli = try f.cli(["ask", question, "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        // The server adds where each citation lies on its pages; the rest is the CLI's object.
        var withoutBoxes = api
        let timings = api["timings_ms"] as? [String: Double] ?? [:]
        #expect(Set(timings.keys) == ["retrieve", "answer", "locate"])
        withoutBoxes["timings_ms"] = nil
        withoutBoxes["citations"] = (api["citations"] as? [[String: Any]] ?? []).map { citation in
            citation.filter { $0.key != "boxes" && $0.key != "placed" }
        }
        #expect(jsonEqual(withoutBoxes, try JSONSerialization.jsonObject(with: cli.stdout)))
        #expect((api["answer"] as? String ?? "").contains("451 kelvin"))
        #expect(api["abstained"] as? Bool == false)
        let citation = try #require((api["citations"] as? [[String: Any]])?.first)
        #expect(citation["document"] as? String == "reactor.pdf")
        #expect(citation["document_id"] as? Int == f.reactorID)
        #expect((citation["sentences"] as? [String] ?? []).contains { $0.contains("451 kelvin") })
        #expect(citation["placed"] as? Bool == true)
        // The cited sentences (with the heading the chunk reads into the first) are the first lines of page 1,
        // drawn from 56 pt: a box per line there, none further down the page.
        let boxes = citation["boxes"] as? [[String: Any]] ?? []
        #expect(boxes.count >= (citation["sentences"] as? [String] ?? []).count)
        for box in boxes {
            #expect(box["page"] as? Int == 1)
            #expect(abs((box["x0"] as? Double ?? 0) - 56) < 3, "box \(box)")
            let y0 = box["y0"] as? Double ?? 0, y1 = box["y1"] as? Double ?? 0
            #expect(y0 > 55 && y1 > y0 && y1 < 140, "box \(box)")
        }

        let streamed = try f.server.json("POST", "/api/v1/ask", ["question": question, "stream": true,
                                                                "conversation": "c-1"])
        #expect(streamed.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let events = ServerSentEvents.parse(streamed.text)
        #expect(events.map(\.name) == ["sources", "answer"])
        let final = try #require(events.last?.object)
        #expect(final["answer"] as? String == api["answer"] as? String)
        #expect(final["conversation"] as? String == "c-1")

        // Only the chosen documents are searched.
        let restricted = try f.server.json("POST", "/api/v1/ask", ["question": question, "documents": [f.orchardID]]).object()
        #expect((restricted["results"] as? [[String: Any]] ?? []).allSatisfy { $0["document"] as? String == "orchard.pdf" })
    }

    @Test("a question the documents do not answer is abstained")
    func abstains() throws {
        let f = try Fixture.get()
        let answer = try f.server.json("POST", "/api/v1/ask", ["question": "Who won the 1954 football world cup final?"]).object()
        #expect(answer["abstained"] as? Bool == true)
        #expect(!(answer["results"] as? [Any] ?? []).isEmpty)
    }

    @Test("bad ask requests get 4xx with the error shape")
    func askErrors() throws {
        let f = try Fixture.get()
        let broken = try f.server.request("POST", "/api/v1/ask", headers: ["Content-Type": "application/json"],
                                          body: Data("{\"question\": ".utf8))
        #expect(broken.status == 400)
        #expect(broken.errorCode == "bad_request")
        #expect(try f.server.json("POST", "/api/v1/ask", ["k": 3]).status == 400)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "x", "k": 0]).status == 400)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "x", "k": true]).status == 400)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "x", "k": 2.5]).status == 400)
        // 1 is a number, not true (both are NSNumbers to JSONSerialization).
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "What is the reactor's coolant?", "k": 1]).status == 200)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "What is the reactor's coolant?",
                                                           "documents": [f.reactorID, f.orchardID]]).status == 200)  // ids 1 and 2
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": String(repeating: "why ", count: 600)]).status == 413)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "x", "documents": [987654]]).status == 404)
        #expect(try f.server.json("POST", "/api/v1/ask", ["question": "x", "documents": "all"]).status == 400)
        let llm = try f.server.json("POST", "/api/v1/ask", ["question": "x", "llm": true])
        #expect(llm.status == 400)
        #expect(llm.text.contains("--llm"))
        let huge = try f.server.request("POST", "/api/v1/ask", headers: ["Content-Type": "application/json"],
                                        body: Data(("{\"question\": \"" + String(repeating: "a", count: 70_000) + "\"}").utf8))
        #expect(huge.status == 413)
        let unknown = try f.server.request("GET", "/api/v1/nothing-here")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "not_found")
    }

    @Test("a chunk comes with its text, pages and document")
    func chunk() throws {
        let f = try Fixture.get()
        let search = try f.server.request("GET", "/api/v1/search?q=bronze%20shears&k=1").object()
        let id = try #require((search["results"] as? [[String: Any]])?.first?["chunk_id"] as? String)
        let chunk = try f.server.request("GET", "/api/v1/chunks/\(id)").object()
        #expect(chunk["id"] as? String == id)
        #expect((chunk["text"] as? String ?? "").contains("bronze shears"))
        #expect(chunk["document"] as? Int == f.orchardID)
        #expect(chunk["page_start"] as? Int == 1)
        #expect(try f.server.request("GET", "/api/v1/chunks/000000000000-99999").status == 404)
        #expect(try f.server.request("GET", "/api/v1/chunks/..%2F..%2Fetc").status == 400)
    }

    @Test("pages: size and label, a rendered PNG of the right size, a chunk's highlight, its boxes on its page")
    func pages() throws {
        let f = try Fixture.get()
        let page = try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1").object()
        #expect(page["width"] as? Double == 595)
        #expect(page["height"] as? Double == 842)
        #expect(page["page"] as? Int == 1)
        let plain = try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?scale=1")
        #expect(plain.status == 200)
        #expect(plain.headers["content-type"] == "image/png")
        #expect(pngSize(plain.body).map { [$0.0, $0.1] } == [595, 842])
        let double = try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?scale=2")
        #expect(pngSize(double.body).map { [$0.0, $0.1] } == [1190, 1684])
        let search = try f.server.request("GET", "/api/v1/search?q=coolant%20argon&k=1").object()
        let chunkID = try #require((search["results"] as? [[String: Any]])?.first?["chunk_id"] as? String)
        let chunk = try f.server.request("GET", "/api/v1/chunks/\(chunkID)").object()
        #expect(chunk["placed"] as? Bool == true)
        let boxes = chunk["boxes"] as? [[String: Any]] ?? []
        #expect(!boxes.isEmpty)
        #expect(boxes.allSatisfy { ($0["x0"] as? Double ?? -1) >= 0 && ($0["x1"] as? Double ?? 1e9) <= 595 })
        #expect((chunk["pages"] as? [[String: Any]])?.first?["width"] as? Double == 595)
        let highlighted = try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?scale=1&highlight=\(chunkID)")
        #expect(highlighted.status == 200)
        #expect(pngSize(highlighted.body).map { [$0.0, $0.1] } == [595, 842])
        #expect(highlighted.body != plain.body)
        // Cached on disk: the same bytes again.
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?scale=1&highlight=\(chunkID)").body == highlighted.body)
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/3.png").status == 404)
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/0").status == 400)
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?scale=9").status == 400)
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.reactorID)/pages/1.png?highlight=..%2Fx").status == 400)
        #expect(try f.server.request("GET", "/api/v1/documents/\(f.orchardID)/pages/1.png?highlight=\(chunkID)").status == 404)
    }

    @Test("the original PDF is served back byte for byte")
    func originalFile() throws {
        let f = try Fixture.get()
        let reply = try f.server.request("GET", "/api/v1/documents/\(f.orchardID)/file")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "application/pdf")
        #expect(reply.body == (try Data(contentsOf: f.folder.appendingPathComponent("orchard.pdf"))))
    }

    @Test("uploading a stored file again answers its document, not a new job")
    func duplicateUpload() throws {
        let f = try Fixture.get()
        let data = try Data(contentsOf: f.folder.appendingPathComponent("reactor.pdf"))
        let reply = try f.server.upload([("copy-of-reactor.pdf", data)])
        #expect(reply.status == 200)
        let file = try #require((try reply.object()["files"] as? [[String: Any]])?.first)
        #expect((file["document"] as? [String: Any])?["id"] as? Int == f.reactorID)
        #expect(file["job"] is NSNull)
    }

    @Test("bad uploads get 4xx, the server keeps serving, and nothing partial is stored")
    func badUploads() throws {
        let f = try Fixture.get()
        let before = try f.server.request("GET", "/api/v1/documents").array().count
        let notPDF = try f.server.upload([("notes.pdf", Data("just some text, not a PDF at all".utf8))])
        #expect(notPDF.status == 415)
        #expect(notPDF.errorCode == "not_pdf")
        #expect(notPDF.text.contains("notes.pdf"))
        let raw = try f.server.request("POST", "/api/v1/documents?filename=a.pdf",
                                       headers: ["Content-Type": "application/pdf"], body: Data("GIF89a".utf8))
        #expect(raw.status == 415)
        let noBoundary = try f.server.request("POST", "/api/v1/documents", headers: ["Content-Type": "multipart/form-data"],
                                              body: Data("--x\r\n".utf8))
        #expect(noBoundary.status == 400)
        let truncated = try f.server.request("POST", "/api/v1/documents",
                                             headers: ["Content-Type": "multipart/form-data; boundary=b0undary"],
                                             body: Data("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.pdf\"\r\n\r\n%PDF-1.4 and then the client went away".utf8))
        #expect(truncated.status == 400)
        #expect(truncated.text.contains("truncated"))
        let wrongType = try f.server.request("POST", "/api/v1/documents", headers: ["Content-Type": "text/plain"],
                                             body: Data("%PDF-".utf8))
        #expect(wrongType.status == 415)
        let empty = try f.server.upload([])
        #expect(empty.status == 400)
        #expect(try f.server.request("GET", "/api/v1/documents").array().count == before)
        let incoming = f.server.store.appendingPathComponent("uploads/.incoming")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? []).isEmpty)
        #expect(try f.server.request("GET", "/api/v1/health").status == 200)
    }

    @Test("an oversized upload is answered 413 while the server's memory stays flat")
    func oversizedUpload() throws {
        let f = try Fixture.get()
        let rssBefore = try residentKB(f.server.process.processIdentifier)
        // Declared too large: refused before a byte of the body is read.
        let declared = try f.server.request("POST", "/api/v1/documents?filename=big.pdf",
                                            headers: ["Content-Type": "application/pdf", "Content-Length": "50000000"])
        #expect(declared.status == 413)
        // Streamed without a length (chunked): counted as it arrives and cut off at the limit (2 MB here).
        let connection = try RawConnection(port: f.server.port)
        try connection.send(Data("POST /api/v1/documents?filename=big.pdf HTTP/1.1\r\nHost: 127.0.0.1:\(f.server.port)\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8))
        let piece = Data("%PDF-".utf8) + Data(repeating: 0x41, count: 256 * 1024 - 5)
        var sentBytes = 0
        for _ in 0..<64 {  // up to 16 MB
            let frame = Data((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Data("\r\n".utf8)
            guard try connection.send(frame) else { break }
            sentBytes += piece.count
        }
        _ = try? connection.send(Data("0\r\n\r\n".utf8))
        let reply = try connection.readReply()
        #expect(reply.status == 413)
        #expect(reply.errorCode == "too_large")
        let rssAfter = try residentKB(f.server.process.processIdentifier)
        #expect(rssAfter - rssBefore < 40_000, "RSS grew from \(rssBefore) kB to \(rssAfter) kB")
        let incoming = f.server.store.appendingPathComponent("uploads/.incoming")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? []).isEmpty)
    }

    @Test("a traversal file name stays a name: stored inside the store, shown cleaned")
    func traversalName() throws {
        let f = try Fixture.get()
        let pdf = f.folder.appendingPathComponent("evil.pdf")
        try TestPDF.write(pages: [["The Vantorp lighthouse beam reaches thirty-one nautical miles."]], to: pdf)
        let name = "../../../../tmp/evil\u{7}\nname.pdf"
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let reply = try f.server.request("POST", "/api/v1/documents?filename=\(encoded)",
                                         headers: ["Content-Type": "application/pdf"], body: try Data(contentsOf: pdf))
        #expect(reply.status == 202, "\(reply.text)")
        let file = try #require((try reply.object()["files"] as? [[String: Any]])?.first)
        #expect(file["file"] as? String == "evilname.pdf")
        let job = try f.server.waitForJob((file["job"] as? [String: Any])?["id"] as? String ?? "")
        #expect(job["state"] as? String == "done")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/evil\u{7}\nname.pdf"))
        let documents = try f.server.request("GET", "/api/v1/documents").array()
        let stored = try #require(documents.first { $0["file"] as? String == "evilname.pdf" })
        let id = stored["id"] as? Int ?? 0
        // Deleting it removes the uploaded file with the document.
        let uploads = f.server.store.appendingPathComponent("uploads")
        let held = try FileManager.default.subpathsOfDirectory(atPath: uploads.path).filter { $0.hasSuffix("evilname.pdf") }
        #expect(held.count == 1)
        #expect(try f.server.request("DELETE", "/api/v1/documents/\(id)").status == 204)
        #expect(try f.server.request("DELETE", "/api/v1/documents/\(id)").status == 404)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: uploads.path).filter { $0.hasSuffix("evilname.pdf") }.isEmpty)
        let answer = try f.server.json("POST", "/api/v1/ask", ["question": "How far does the Vantorp lighthouse beam reach?"]).object()
        #expect(!(answer["results"] as? [[String: Any]] ?? []).contains { $0["document"] as? String == "evilname.pdf" })
    }

    @Test("an encrypted PDF fails its job with the CLI's message, and nothing is stored")
    func encryptedUpload() throws {
        let f = try Fixture.get()
        let plain = f.folder.appendingPathComponent("secret-plain.pdf")
        let locked = f.folder.appendingPathComponent("secret.pdf")
        try TestPDF.write(pages: [["The Brevik vault opens only at dawn."]], to: plain)
        let qpdf = Process()
        qpdf.executableURL = URL(fileURLWithPath: "/usr/bin/qpdf")
        qpdf.arguments = ["--encrypt", "user-pw", "owner-pw", "256", "--", plain.path, locked.path]
        try qpdf.run()
        qpdf.waitUntilExit()
        try #require(qpdf.terminationStatus == 0)
        let before = try f.server.request("GET", "/api/v1/documents").array().count
        let reply = try f.server.upload([("secret.pdf", try Data(contentsOf: locked))])
        #expect(reply.status == 202)
        let id = try #require(((try reply.object()["files"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? String)
        let job = try f.server.waitForJob(id)
        #expect(job["state"] as? String == "failed")
        let message = job["error"] as? String ?? ""
        #expect(message.contains("secret.pdf"))
        #expect(message.lowercased().contains("encrypted") || message.lowercased().contains("password"))
        #expect(!message.contains(f.server.store.path))
        #expect(try f.server.request("GET", "/api/v1/documents").array().count == before)
    }

    @Test("job events stream the job's states until it is done")
    func jobEvents() throws {
        let f = try Fixture.get()
        let pdf = f.folder.appendingPathComponent("events.pdf")
        try TestPDF.write(pages: [["The Ostrander glacier retreats nine metres every year."]], to: pdf)
        let reply = try f.server.upload([("events.pdf", try Data(contentsOf: pdf))])
        let id = try #require(((try reply.object()["files"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? String)
        let stream = try f.server.request("GET", "/api/v1/jobs/\(id)/events", timeout: 300)
        #expect(stream.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let events = ServerSentEvents.parse(stream.text)
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0.name == "job" })
        #expect(events.last?.object?["state"] as? String == "done")
        #expect(try f.server.request("GET", "/api/v1/jobs/no-such-job").status == 404)
        let all = try f.server.request("GET", "/api/v1/jobs").array()
        #expect(all.contains { $0["id"] as? String == id })
    }

    @Test("a document `folio ingest` adds to the served store shows up without a restart")
    func externalIngest() throws {
        let f = try Fixture.get()
        let pdf = f.folder.appendingPathComponent("cli-added.pdf")
        try TestPDF.write(pages: [["The Merriwether canal is lined with 44 stone locks."]], to: pdf)
        let ingest = try f.cli(["ingest", pdf.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let documents = try f.server.request("GET", "/api/v1/documents").array()
        #expect(documents.contains { $0["file"] as? String == "cli-added.pdf" })
        let answer = try f.server.json("POST", "/api/v1/ask", ["question": "How many locks does the Merriwether canal have?"]).object()
        #expect((answer["answer"] as? String ?? "").contains("44 stone locks"))
        // Deleting a document `folio ingest` read leaves the user's file where it is.
        let id = try #require(documents.first { $0["file"] as? String == "cli-added.pdf" }?["id"] as? Int)
        #expect(try f.server.request("DELETE", "/api/v1/documents/\(id)").status == 204)
        #expect(FileManager.default.fileExists(atPath: pdf.path))
    }

    @Test("folio remove of an uploaded document removes its upload too, so a restart does not ingest it again")
    func cliRemoveOfUpload() throws {
        let f = try Fixture.get()
        let pdf = f.folder.appendingPathComponent("removed-by-cli.pdf")
        try TestPDF.write(pages: [["The Tamsin ferry crosses the sound eleven times a day."]], to: pdf)
        let reply = try f.server.upload([("removed-by-cli.pdf", try Data(contentsOf: pdf))])
        let id = try #require(((try reply.object()["files"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? String)
        #expect(try f.server.waitForJob(id)["state"] as? String == "done")
        let uploads = f.server.store.appendingPathComponent("uploads")
        let held = { try FileManager.default.subpathsOfDirectory(atPath: uploads.path).filter { $0.hasSuffix("removed-by-cli.pdf") } }
        #expect(try held().count == 1)
        let removed = try f.cli(["remove", "removed-by-cli.pdf"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try held().isEmpty)
        #expect(!(try f.server.request("GET", "/api/v1/documents").array().contains { $0["file"] as? String == "removed-by-cli.pdf" }))
    }

    @Test("the OpenAPI document describes every route the server answers")
    func openAPI() throws {
        let f = try Fixture.get()
        let spec = try f.server.request("GET", "/api/v1/openapi.json").object()
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: Any])
        let checker = OpenAPIChecker(spec: spec)
        let search = try f.server.request("GET", "/api/v1/search?q=argon")
        let ask = try f.server.json("POST", "/api/v1/ask", ["question": "What is the reactor's coolant?"])
        let chunkID = ((try search.object()["results"] as? [[String: Any]])?.first?["chunk_id"] as? String) ?? ""
        let live: [(String, String, HTTPReply)] = [
            ("get", "/health", try f.server.request("GET", "/api/v1/health")),
            ("get", "/documents", try f.server.request("GET", "/api/v1/documents")),
            ("get", "/documents/{id}", try f.server.request("GET", "/api/v1/documents/\(f.reactorID)")),
            ("get", "/documents/{id}", try f.server.request("GET", "/api/v1/documents/424242")),
            ("get", "/jobs", try f.server.request("GET", "/api/v1/jobs")),
            ("get", "/search", search),
            ("get", "/search", try f.server.request("GET", "/api/v1/search")),
            ("post", "/ask", ask),
            ("post", "/ask", try f.server.json("POST", "/api/v1/ask", ["k": 1])),
            ("get", "/chunks/{id}", try f.server.request("GET", "/api/v1/chunks/\(chunkID)")),
            ("post", "/documents", try f.server.upload([("x.pdf", Data("nope".utf8))])),
        ]
        for (method, path, reply) in live {
            #expect(paths[path] != nil, "\(path) is not in the OpenAPI document")
            let problems = checker.check(method: method, path: path, status: reply.status, body: reply.body)
            #expect(problems.isEmpty, "\(method) \(path) \(reply.status): \(problems)")
        }
        for route in ["/health", "/documents", "/documents/{id}", "/documents/{id}/file", "/jobs", "/jobs/{id}",
                      "/jobs/{id}/events", "/search", "/ask", "/chunks/{id}", "/openapi.json"] {
            #expect(paths[route] != nil, "\(route) is not in the OpenAPI document")
        }
    }
}

/// Parses a `text/event-stream` body.
enum ServerSentEvents {
    struct Event {
        var name: String
        var data: String
        var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] }
    }

    static func parse(_ text: String) -> [Event] {
        var events: [Event] = []
        for block in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            var name = "message", data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("data:") { data.append(String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces)) }
            }
            if !data.isEmpty { events.append(Event(name: name, data: data.joined(separator: "\n"))) }
        }
        return events
    }
}

/// The resident memory of a process, in kB (`VmRSS` of /proc/PID/status).
func residentKB(_ pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.filter(\.isNumber)) ?? 0
}

/// Width and height from a PNG's IHDR chunk, or nil when the data is not a PNG.
func pngSize(_ data: Data) -> (Int, Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
    let be = { (i: Int) in Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
    return (be(16), be(20))
}
