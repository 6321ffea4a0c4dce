import FolioTestSupport
import Foundation
import Testing

/// Two generated "documents" that share their words, so a follow-up asked alone is ambiguous and only the
/// conversation says which one it means: both tell who designed something, how much it weighs, when it was built.
func writeConversationLibrary(in directory: URL) throws {
    let filler = "This paragraph is general background material about engineering history and careful records. "
    try TestPDF.write(pages: [
        TestPDF.wrap("The Hydra engine has 12 cylinders arranged in two banks of six. "
                     + "Its crankshaft is forged from chromium steel. " + String(repeating: filler, count: 4)),
        TestPDF.wrap("The Hydra engine was designed by Marta Kovacs in 1998 for long-haul trucks. "
                     + "The complete engine weighs 410 kilograms. " + String(repeating: filler, count: 4)),
    ], to: directory.appendingPathComponent("hydra.pdf"), title: "The Hydra Engine")
    try TestPDF.write(pages: [
        TestPDF.wrap("A sourdough loaf is baked for 45 minutes at 230 degrees in a stone oven. "
                     + "The starter is fed with flour and water every day. " + String(repeating: filler, count: 4)),
        TestPDF.wrap("The stone oven was designed by Pierre Laval in 1950 for village bakeries. "
                     + "The oven weighs two tonnes. " + String(repeating: filler, count: 4)),
    ], to: directory.appendingPathComponent("sourdough.pdf"), title: "Sourdough at Home")
}

@Suite("conversations end to end", .serialized)
struct ConversationEndToEndTests {
    /// A store with the two documents, and the binary.
    func library(_ name: String) throws -> (FolioBinary, URL, String) {
        let folio = try FolioBinary()
        let directory = try TestPaths.temporaryDirectory(name)
        let library = directory.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        try writeConversationLibrary(in: library)
        let store = directory.appendingPathComponent("store").path
        let ingest = try folio.run(["ingest", "--store", store, library.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (folio, directory, store)
    }

    @Test("the interactive session reads a follow-up in the light of the last turn; :new starts afresh")
    func terminalSession() throws {
        let (folio, directory, store) = try library("folio-conv-session")
        defer { removeUnlessKept(directory) }
        let session = try folio.run(["ask", "--store", store], input: """
            How many cylinders does the Hydra engine have?
            Who designed it?
            How much does it weigh?
            :new
            Who designed it?
            :quit

            """)
        #expect(session.status == 0, "\(session.stderr)")
        let answers = session.stdout.components(separatedBy: "Sources:")
        #expect(answers.count >= 4, "\(session.stdout)")
        #expect(answers[0].contains("12 cylinders"), "\(session.stdout)")
        // Follow-ups: narrowed to the Hydra document, shown, and answered from it.
        #expect(answers[1].contains("Read as: Who designed it? — in "), "\(session.stdout)")
        #expect(answers[1].contains("hydra.pdf"), "\(session.stdout)")
        #expect(answers[1].contains("Marta Kovacs"), "\(session.stdout)")
        #expect(answers[2].contains("410 kilograms"), "\(session.stdout)")
        // After :new the same words are read alone again: no "Read as".
        let fresh = answers.count > 3 ? answers[3] : ""
        #expect(!fresh.contains("Read as:"), "\(session.stdout)")
        #expect(session.stderr.contains("new conversation"), "\(session.stderr)")
    }

    @Test("--conversation continues across processes, --json has read_as and conversation, the store keeps it")
    func acrossProcesses() throws {
        let (folio, directory, store) = try library("folio-conv-processes")
        defer { removeUnlessKept(directory) }
        let first = try folio.run(["ask", "--store", store, "--conversation", "oven", "--json",
                                   "How long is a sourdough loaf baked?"])
        #expect(first.status == 0, "\(first.stderr)")
        let one = try json(first.stdout)
        #expect(one["conversation"] as? String == "oven")
        #expect((one["answer"] as? String)?.contains("45 minutes") == true, "\(first.stdout)")
        #expect((one["reading"] as? [String: Any])?["method"] as? String == "alone")

        // Another process, the same conversation: "it" is the oven of the sourdough document.
        let second = try folio.run(["ask", "--store", store, "--conversation", "oven", "--json", "Who designed it?"])
        #expect(second.status == 0, "\(second.stderr)")
        let two = try json(second.stdout)
        #expect(two["conversation"] as? String == "oven")
        #expect((two["read_as"] as? String)?.contains("sourdough.pdf") == true, "\(second.stdout)")
        #expect((two["reading"] as? [String: Any])?["method"] as? String == "follow-up")
        #expect((two["answer"] as? String)?.contains("Pierre Laval") == true, "\(second.stdout)")
        #expect((two["citations"] as? [[String: Any]])?.first?["document"] as? String == "sourdough.pdf")

        // Listed, shown and deleted.
        let list = try json(try folio.run(["conversations", "--store", store, "--json"]).stdout)
        let conversations = try #require(list["conversations"] as? [[String: Any]])
        #expect(conversations.count == 1)
        #expect(conversations.first?["name"] as? String == "oven")
        #expect(conversations.first?["turns"] as? Int == 2)
        let shown = try folio.run(["conversations", "--store", store, "--show", "oven"])
        #expect(shown.stdout.contains("[2] Who designed it?"), "\(shown.stdout)")
        #expect(shown.stdout.contains("Read as: Who designed it? — in "), "\(shown.stdout)")
        #expect(try folio.run(["conversations", "--store", store, "--delete", "oven"]).status == 0)
        let gone = try folio.run(["conversations", "--store", store, "--show", "oven"])
        #expect(gone.status != 0)
        #expect(gone.stderr.contains("no conversation named oven"), "\(gone.stderr)")
        // A conversation started anew after the delete reads its first question alone.
        let again = try json(try folio.run(["ask", "--store", store, "--conversation", "oven", "--json",
                                            "Who designed it?"]).stdout)
        #expect((again["reading"] as? [String: Any])?["method"] as? String == "alone")
    }

    @Test("a question that names another document switches topic; a follow-up the documents do not answer abstains")
    func topicSwitchAndAbstention() throws {
        let (folio, directory, store) = try library("folio-conv-switch")
        defer { removeUnlessKept(directory) }
        func ask(_ question: String) throws -> [String: Any] {
            let result = try folio.run(["ask", "--store", store, "--conversation", "c", "--json", question])
            #expect(result.status == 0, "\(result.stderr)")
            return try json(result.stdout)
        }
        _ = try ask("Who designed the Hydra engine?")
        let switched = try ask("How long is a sourdough loaf baked?")
        #expect((switched["reading"] as? [String: Any])?["method"] as? String == "topic-switch")
        #expect((switched["citations"] as? [[String: Any]])?.first?["document"] as? String == "sourdough.pdf")
        #expect((switched["answer"] as? String)?.contains("45 minutes") == true)
        // The conversation is now about the sourdough document.
        let weight = try ask("How much does the oven weigh?")
        #expect((weight["answer"] as? String)?.contains("two tonnes") == true, "\(weight)")
        let unanswerable = try ask("What fuel does it burn?")
        #expect(unanswerable["abstained"] as? Bool == true, "\(unanswerable)")
        #expect((unanswerable["reading"] as? [String: Any])?["method"] as? String == "follow-up")
    }

    @Test("--llm rewrites a follow-up as a standalone question; when the LLM fails, Folio's own reading is used")
    func condenseAndFallback() throws {
        let (folio, directory, store) = try library("folio-conv-llm")
        defer { removeUnlessKept(directory) }
        #expect(try folio.run(["ask", "--store", store, "--conversation", "c", "Who designed the Hydra engine?"]).status == 0)
        // A server that rewrites every question the same way (the rewrite, then the "answer", are its one reply).
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":"How much does the Hydra engine weigh?"},"finish_reason":"stop"}],"model":"m"}"#
        let server = try LoopbackResponder(LoopbackResponder.http(contentType: "application/json", pieces: [body]))
        defer { server.stop() }
        let condensed = try folio.run(["ask", "--store", store, "--conversation", "c", "--json", "--llm", server.baseURL,
                                       "--llm-model", "m", "--llm-no-stream", "And its weight?"])
        let rewritten = try json(condensed.stdout)
        #expect(rewritten["read_as"] as? String == "How much does the Hydra engine weigh?", "\(condensed.stdout) \(condensed.stderr)")
        #expect((rewritten["reading"] as? [String: Any])?["method"] as? String == "llm")
        #expect((rewritten["answer"] as? String)?.contains("410 kilograms") == true, "\(condensed.stdout)")
        #expect(server.received.first?.contains("Who designed the Hydra engine?") == true)

        // Nothing listens on the port of a stopped server: the condense step fails, the deterministic reading answers.
        let dead = try LoopbackResponder(.silent)
        let deadURL = dead.baseURL
        dead.stop()
        let fallback = try folio.run(["ask", "--store", store, "--conversation", "c", "--json", "--llm", deadURL,
                                      "--llm-model", "m", "--llm-no-stream", "--llm-timeout", "2", "Who designed it?"])
        let read = try json(fallback.stdout)
        let reading = try #require(read["reading"] as? [String: Any])
        #expect(reading["method"] as? String == "follow-up", "\(fallback.stdout)")
        #expect(reading["condense_error"] is String, "\(fallback.stdout)")
        #expect((read["answer"] as? String)?.contains("Marta Kovacs") == true, "\(fallback.stdout)")
        #expect(fallback.status == 3)  // generation failed too: the extractive answer stands
    }
}

/// The condense step against the real llama.cpp server (`FOLIO_TEST_LLM_URL`, started by `scripts/test`). Its
/// 270M base model writes what it writes: the test holds that its reply is either taken as the rewrite (`llm`) or
/// refused, with the deterministic reading as the fallback and the reason in `condense_error`.
@Suite("conversations: the condense step against llama-server", .serialized,
       .enabled(if: LLMTestServer.available, "no FOLIO_TEST_LLM_URL (outside CI)"))
struct ConversationLLMServerTests {
    @Test("a follow-up is rewritten by the real model, or read without it when its reply is no question")
    func condenseWithRealServer() throws {
        let url = try LLMTestServer.requireURL()
        let store = try llmLibraryStore.get()
        let folio = try FolioBinary()
        #expect(try folio.run(["ask", "--store", store, "--conversation", "llm-c", ternQuestion]).status == 0)
        let run = try folio.run(["ask", "--store", store, "--conversation", "llm-c", "--json", "--llm", url,
                                 "--llm-no-stream", "Which route do they follow?"])
        // 3: the answer's generation (not the rewrite) failed, e.g. timed out on a loaded machine; the extractive
        // answer and the reading are printed all the same.
        #expect(run.status == 0 || run.status == 3, "\(run.stderr)")
        let object = try json(run.stdout)
        let reading = try #require(object["reading"] as? [String: Any])
        let method = reading["method"] as? String
        let error = reading["condense_error"] as? String
        // Taken as the rewrite, or (no question in the reply, or too slow on a loaded machine) the fallback.
        #expect(method == "llm" ? error == nil : (method == "follow-up" && error != nil), "\(reading)")
        #expect((object["read_as"] as? String)?.isEmpty == false)
        #expect(object["conversation"] as? String == "llm-c")
        let shown = try folio.run(["conversations", "--store", store, "--show", "llm-c"])
        #expect(shown.stdout.contains("[2] Which route do they follow?"), "\(shown.stdout)")
    }
}
