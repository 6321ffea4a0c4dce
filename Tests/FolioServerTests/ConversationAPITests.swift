import FolioTestSupport
import Foundation
import Testing

@Suite("folio serve: conversations", .serialized)
struct ConversationAPITests {
    @Test("the ask endpoint's conversation reads follow-ups in its light, and the store keeps it across a restart")
    func conversationAcrossRestart() throws {
        let folder = try TestPaths.temporaryDirectory("folio-serve-conversation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("store")
        let a = folder.appendingPathComponent("reactor.pdf"), b = folder.appendingPathComponent("orchard.pdf")
        try TestPDF.write(pages: [Fixture.reactorFacts], to: a, title: "The Zorblax Reactor")
        try TestPDF.write(pages: [Fixture.orchardFacts], to: b, title: "The Quillon Orchard")

        var server = try LiveServer(store: store)
        let upload = try server.upload([("reactor.pdf", try Data(contentsOf: a)), ("orchard.pdf", try Data(contentsOf: b))])
        #expect(upload.status == 202, "\(upload.text)")
        for file in try upload.object()["files"] as? [[String: Any]] ?? [] {
            let job = try server.waitForJob((file["job"] as? [String: Any])?["id"] as? String ?? "")
            #expect(job["state"] as? String == "done", "\(job)")
        }
        let first = try server.json("POST", "/api/v1/ask", ["question": "What core temperature does the Zorblax reactor run at?",
                                                            "conversation": "lab-1"]).object()
        #expect(first["conversation"] as? String == "lab-1")
        #expect((first["answer"] as? String)?.contains("451 kelvin") == true, "\(first)")
        #expect(server.stop() == 0)

        // A new server on the same store: the conversation goes on.
        server = try LiveServer(store: store)
        defer { server.stop() }
        let follow = try server.json("POST", "/api/v1/ask", ["question": "Who commissioned it?", "conversation": "lab-1"]).object()
        #expect(follow["conversation"] as? String == "lab-1")
        #expect((follow["read_as"] as? String)?.contains("reactor.pdf") == true, "\(follow)")
        #expect((follow["reading"] as? [String: Any])?["method"] as? String == "follow-up")
        #expect((follow["answer"] as? String)?.contains("Halvorsen Institute") == true, "\(follow)")
        #expect((follow["timings_ms"] as? [String: Any])?["retrieve"] is Double)

        // Streamed, and switching topic: the orchard is named, the reactor is dropped.
        let streamed = try server.json("POST", "/api/v1/ask", ["question": "How often is each tree of the Quillon orchard pruned?",
                                                               "conversation": "lab-1", "stream": true])
        #expect(streamed.status == 200)
        let answerEvent = try #require(streamed.text.components(separatedBy: "event: answer\ndata: ").last?
            .split(separator: "\n").first)
        let switched = try #require(try JSONSerialization.jsonObject(with: Data(answerEvent.utf8)) as? [String: Any])
        #expect((switched["reading"] as? [String: Any])?["method"] as? String == "topic-switch", "\(switched)")
        #expect((switched["citations"] as? [[String: Any]])?.first?["document"] as? String == "orchard.pdf")

        // Another conversation on the same server is not bent by this one.
        let other = try server.json("POST", "/api/v1/ask", ["question": "Who commissioned it?", "conversation": "lab-2"]).object()
        #expect((other["reading"] as? [String: Any])?["method"] as? String == "alone")
    }
}
