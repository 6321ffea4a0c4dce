import FolioTestSupport
import Foundation
import Testing

/// One store with the generated library, ingested once for all the `--llm` tests.
let llmLibraryStore: Result<String, Error> = Result {
    let directory = try TestPaths.temporaryDirectory("folio-llm-e2e")
    let library = directory.appendingPathComponent("library")
    try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
    try writeLibrary(in: library)
    let store = directory.appendingPathComponent("store").path
    let ingest = try FolioBinary().run(["ingest", "--store", store, library.path])
    guard ingest.status == 0 else { throw FolioTestFailure("ingest failed: \(ingest.stderr)") }
    return store
}

let ternQuestion = "How far do arctic terns migrate?"

/// A canned chat completion, as a non-streaming OpenAI-compatible server sends it.
func cannedAnswer(_ text: String) throws -> LoopbackResponder.Behaviour {
    let body = try JSONSerialization.data(withJSONObject: [
        "model": "canned", "choices": [["index": 0, "message": ["role": "assistant", "content": text],
                                        "finish_reason": "stop"]],
    ])
    return LoopbackResponder.http(contentType: "application/json", pieces: [String(decoding: body, as: UTF8.self)])
}

/// `folio ask --llm` against a real llama.cpp server (`FOLIO_TEST_LLM_URL`, started by `scripts/test`).
@Suite("folio ask --llm against llama-server", .serialized,
       .enabled(if: LLMTestServer.available, "no FOLIO_TEST_LLM_URL (outside CI)"))
struct LLMServerEndToEndTests {
    @Test("streams an answer, then the citation check and the sources; usage on stderr")
    func streamed() throws {
        let url = try LLMTestServer.requireURL()
        let run = try FolioBinary().run(["ask", "--store", try llmLibraryStore.get(), "--llm", url, ternQuestion])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(!(lines.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty, "the answer comes first: \(run.stdout)")
        let checked = run.stdout.contains("Citation check:")
        let citesNothing = run.stdout.contains("Warning: the generated answer cites none of the")
        #expect(checked != citesNothing, "either checked or warned: \(run.stdout)")
        #expect(run.stdout.contains("Sources:\n  ["))
        if run.stdout.contains("Warning:") {
            #expect(run.stdout.contains("seventy thousand kilometres every year. [1]"), "the extractive answer follows a warning")
        }
        #expect(run.stderr.contains("model gemma-3-270m-q4_k_m: ") && run.stderr.contains(" prompt + "), "\(run.stderr)")
        #expect(!run.stderr.contains("folio:"), "\(run.stderr)")
    }

    @Test("--json: the extractive ask object plus generator and the checked answer of the real model")
    func jsonOutput() throws {
        let url = try LLMTestServer.requireURL()
        let store = try llmLibraryStore.get()
        let run = try FolioBinary().run(["ask", "--store", store, "--json", "--llm", url, ternQuestion])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try json(run.stdout)
        let plain = try json(try FolioBinary().run(["ask", "--store", store, "--json", ternQuestion]).stdout)
        for key in ["question", "answer", "abstained", "citations", "results"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["answer"] as? String == plain["answer"] as? String, "the extractive answer, unchanged")
        #expect(Set(object.keys) == Set(plain.keys).union(["generator", "generated"]))

        let generator = try #require(object["generator"] as? [String: Any])
        #expect(generator["url"] as? String == url + "/chat/completions")
        #expect((generator["model"] as? String)?.contains("gemma") == true, "\(generator)")
        #expect((generator["seconds"] as? Double ?? 0) > 0)
        let usage = try #require(generator["usage"] as? [String: Any])
        let promptTokens = try #require(usage["prompt_tokens"] as? Int)
        #expect(promptTokens > 50)
        #expect((usage["completion_tokens"] as? Int ?? 0) >= 1)
        #expect(promptTokens <= generator["prompt_tokens_estimated"] as? Int ?? 0, "the estimate is conservative")
        let sent = try #require(generator["sources_sent"] as? Int)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(sent == results.count && generator["sources_dropped"] as? Int == 0, "all five results fit in 4096 tokens")

        // The citation check on what the real model wrote: consistent, whatever the 270M model said.
        let generated = try #require(object["generated"] as? [String: Any])
        let raw = try #require(generated["raw"] as? String)
        let answer = try #require(generated["answer"] as? String)
        #expect(!raw.isEmpty)
        let invalid = try #require(generated["invalid_markers"] as? [Int])
        #expect(invalid.allSatisfy { $0 < 1 || $0 > sent })
        for marker in invalid { #expect(!answer.contains("[\(marker)]"), "removed from the checked answer") }
        let cited = try #require(generated["citations"] as? [[String: Any]]).compactMap { $0["marker"] as? Int }
        #expect(cited.allSatisfy { (1...sent).contains($0) })
        let sentences = try #require(generated["sentences"] as? [[String: Any]])
        let grounded = sentences.contains { $0["verdict"] as? String == "supported" }
        #expect(generated["grounded"] as? Bool == grounded)
        #expect((generated["warning"] is String) == !grounded)
        for sentence in sentences {
            let verdict = try #require(sentence["verdict"] as? String)
            let markers = try #require(sentence["markers"] as? [Int])
            let support = try #require(sentence["support"] as? Double)
            #expect(Set(markers).isSubset(of: cited))
            switch verdict {
            case "uncited": #expect(markers.isEmpty)
            case "supported": #expect(support >= 0.55)
            case "unsupported": #expect(support < 0.55)
            default: Issue.record("unknown verdict \(verdict)")
            }
        }
        print("real model answer (\(raw.count) characters): \(raw.prefix(160).debugDescription)…; invalid markers \(invalid), cited \(cited), verdicts \(sentences.compactMap { $0["verdict"] as? String })")
    }
}

/// `folio ask --llm` failures and checks with a canned or silent loopback responder, and a server that is down.
@Suite("folio ask --llm failures and checks", .serialized)
struct LLMFailureEndToEndTests {
    @Test("server down: one-line error naming the URL on stderr, the extractive answer on stdout, exit 3")
    func serverDown() throws {
        let url = "http://127.0.0.1:\(try LoopbackResponder.unusedPort())/v1"
        let store = try llmLibraryStore.get()
        let run = try FolioBinary().run(["ask", "--store", store, "--llm", url, ternQuestion])
        #expect(run.status == 3)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("folio:") }
        #expect(errors == ["folio: \(url)/models: cannot connect (connection refused); is the LLM server running and is the URL right?"],
                "\(run.stderr)")
        #expect(run.stdout.contains("seventy thousand kilometres") && run.stdout.contains("[1] birds.pdf p.2"), "\(run.stdout)")

        let jsonRun = try FolioBinary().run(["ask", "--store", store, "--json", "--llm", url, "--llm-model", "m", ternQuestion])
        #expect(jsonRun.status == 3)
        let object = try json(jsonRun.stdout)
        #expect(object["generated"] is NSNull)
        #expect((object["generator"] as? [String: Any])?["error"] as? String
                == "\(url)/chat/completions: cannot connect (connection refused); is the LLM server running and is the URL right?")
        #expect((object["answer"] as? String)?.contains("seventy thousand kilometres") == true)
    }

    @Test("timeout: the error says so and names the limit")
    func timeout() throws {
        let responder = try LoopbackResponder(.silent)
        defer { responder.stop() }
        let run = try FolioBinary().run(["ask", "--store", try llmLibraryStore.get(), "--llm", responder.baseURL,
                                         "--llm-model", "m", "--llm-timeout", "1", ternQuestion])
        #expect(run.status == 3)
        #expect(run.stderr.contains("folio: \(responder.baseURL)/chat/completions: no complete answer within 1 s"), "\(run.stderr)")
        #expect(run.stdout.contains("seventy thousand kilometres"))
    }

    @Test("markers to no source are removed and reported; an answer citing nothing valid gets a warning and the extractive answer")
    func noValidCitation() throws {
        let responder = try LoopbackResponder(try cannedAnswer("Terns fly to the moon [7]."))
        defer { responder.stop() }
        let run = try FolioBinary().run(["ask", "--store", try llmLibraryStore.get(), "--llm", responder.baseURL,
                                         "--llm-model", "m", "--llm-no-stream", ternQuestion])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Terns fly to the moon.\n"), "the checked text: \(run.stdout)")
        #expect(run.stdout.contains("Removed citation markers that point to no source: [7]"))
        // As many sources as retrieval returned after collapsing near-duplicates (at most --k, 5).
        #expect(run.stdout.range(of: #"Warning: the generated answer cites none of the [1-5] sources"#,
                                 options: .regularExpression) != nil, "\(run.stdout)")
        #expect(run.stdout.contains("seventy thousand kilometres"), "the extractive answer below the warning")
    }

    @Test("an unsupported sentence is flagged against the source it cites; the budget drops sources; the key is sent")
    func flaggedAndBudget() throws {
        let responder = try LoopbackResponder(try cannedAnswer(
            "Arctic terns migrate about seventy thousand kilometres every year [1]. Sourdough rises because wild yeast ferments the dough [1]."))
        defer { responder.stop() }
        let run = try FolioBinary().run(["ask", "--store", try llmLibraryStore.get(), "--llm", responder.baseURL,
                                         "--llm-model", "m", "--llm-context", "512", "--llm-key-env", "FOLIO_TEST_KEY",
                                         "--llm-no-stream", ternQuestion], environment: ["FOLIO_TEST_KEY": "secret-123"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Citation check: 1 of 2 cited sentences not supported by the source they cite:"), "\(run.stdout)")
        #expect(run.stdout.contains("! \"Sourdough rises because wild yeast ferments the dough.\" [1]"))
        #expect(run.stdout.contains("Sources:\n  [1] birds.pdf p.2"))
        #expect(run.stderr.contains("lower-ranked source(s) left out to fit --llm-context 512"), "\(run.stderr)")
        let request = try #require(responder.received.first)
        #expect(request.contains("Authorization: Bearer secret-123"))
        #expect(request.components(separatedBy: "<source id=").count == 2, "one source fits in 512 tokens")

        let missingKey = try FolioBinary().run(["ask", "--store", try llmLibraryStore.get(), "--llm", responder.baseURL,
                                                "--llm-key-env", "FOLIO_TEST_NO_SUCH_KEY", ternQuestion])
        #expect(missingKey.status == 1)
        #expect(missingKey.stderr.contains("the environment variable FOLIO_TEST_NO_SUCH_KEY is not set"))
    }
}

