@testable import FolioLLM
import FolioTestSupport
import Foundation
import Testing

/// The client against a tiny loopback responder: the failures a real server will not produce on demand.
@Suite("chat client: failures")
struct ChatClientFailureTests {
    let question = [ChatMessage.user("What is 2 + 2?")]

    @Test("the base URL: /v1 added to a bare host, a full endpoint trimmed, anything else refused")
    func baseURL() throws {
        #expect(try ChatClient(baseURL: "http://127.0.0.1:11434").completionsURL.absoluteString
                == "http://127.0.0.1:11434/v1/chat/completions")
        #expect(try ChatClient(baseURL: "http://127.0.0.1:8080/v1/chat/completions").completionsURL.absoluteString
                == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(throws: FolioLLMError.invalidURL("127.0.0.1:8080")) { try ChatClient(baseURL: "127.0.0.1:8080") }
        #expect(throws: FolioLLMError.invalidURL("file:///etc/passwd")) { try ChatClient(baseURL: "file:///etc/passwd") }
    }

    @Test("a server that is down: connection refused, named with its URL")
    func serverDown() throws {
        let url = "http://127.0.0.1:\(try LoopbackResponder.unusedPort())/v1"
        let client = try ChatClient(baseURL: url, model: "m", timeout: 10)
        do {
            _ = try client.complete(question)
            Issue.record("expected a connection error")
        } catch let error as FolioLLMError {
            guard case .unreachable(let named, let reason) = error else { Issue.record("got \(error)"); return }
            #expect(named == url + "/chat/completions")
            #expect(reason == "connection refused")
            #expect(error.description.hasPrefix("\(url)/chat/completions: cannot connect (connection refused)"))
        }
    }

    @Test("a server that never answers: a timeout after --llm-timeout")
    func timeout() throws {
        let responder = try LoopbackResponder(.silent)
        defer { responder.stop() }
        let client = try ChatClient(baseURL: responder.baseURL, model: "m", timeout: 1)
        #expect(throws: FolioLLMError.timeout(url: responder.baseURL + "/chat/completions", seconds: 1)) {
            _ = try client.complete(question)
        }
        #expect(responder.received.count == 1)
    }

    @Test("malformed SSE over a real socket: the error names the URL and the bad data")
    func malformedStream() throws {
        let responder = try LoopbackResponder(LoopbackResponder.http(contentType: "text/event-stream", pieces: [
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Four\"}}]}\n\n",
            "data: <html>oops</html>\n\n",
        ]))
        defer { responder.stop() }
        var pieces: [String] = []
        let client = try ChatClient(baseURL: responder.baseURL, model: "m", timeout: 10)
        #expect(throws: FolioLLMError.malformed(url: responder.baseURL + "/chat/completions",
                                                reason: "event data is not a JSON object: <html>oops</html>")) {
            _ = try client.complete(question, onText: { pieces.append($0) })
        }
        #expect(pieces == ["Four"])  // what arrived before the bad event was streamed
    }

    @Test("a stream cut off before [DONE]")
    func truncatedStream() throws {
        let responder = try LoopbackResponder(LoopbackResponder.http(contentType: "text/event-stream", pieces: [
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Fo\"}}]}\n\n",
        ]))
        defer { responder.stop() }
        let client = try ChatClient(baseURL: responder.baseURL, model: "m", timeout: 10)
        #expect(throws: FolioLLMError.malformed(url: responder.baseURL + "/chat/completions",
                                                reason: "the stream ended before [DONE]")) {
            _ = try client.complete(question)
        }
    }

    @Test("HTTP errors carry the server's message; redirects are not followed")
    func httpErrors() throws {
        let failing = try LoopbackResponder(LoopbackResponder.http(
            status: "503 Service Unavailable", contentType: "application/json",
            pieces: [#"{"error":{"message":"Loading model","type":"unavailable_error","code":503}}"#]))
        defer { failing.stop() }
        #expect(throws: FolioLLMError.http(url: failing.baseURL + "/chat/completions", status: 503, message: "Loading model")) {
            _ = try ChatClient(baseURL: failing.baseURL, model: "m", timeout: 10).complete(question)
        }

        let redirecting = try LoopbackResponder(.respond([Data(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)]))
        defer { redirecting.stop() }
        #expect(throws: FolioLLMError.http(url: redirecting.baseURL + "/chat/completions", status: 302, message: "")) {
            _ = try ChatClient(baseURL: redirecting.baseURL, model: "m", timeout: 10).complete(question)
        }
        #expect(redirecting.received.count == 1)
    }

    @Test("the request: JSON body with the model and stream flag, the key as a Bearer token")
    func requestShape() throws {
        let responder = try LoopbackResponder(LoopbackResponder.http(contentType: "application/json", pieces: [
            #"{"choices":[{"message":{"content":"4"},"finish_reason":"stop"}]}"#,
        ]))
        defer { responder.stop() }
        let client = try ChatClient(baseURL: responder.baseURL, model: "tiny", apiKey: "sk-test", timeout: 10)
        let completion = try client.complete(question, maxTokens: 7, stream: false)
        #expect(completion.text == "4")
        #expect(completion.model == "tiny")
        let request = try #require(responder.received.first)
        #expect(request.hasPrefix("POST /v1/chat/completions HTTP/1.1"))
        #expect(request.contains("Authorization: Bearer sk-test"))
        let body = try #require(request.components(separatedBy: "\r\n\r\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "tiny")
        #expect(object["stream"] as? Bool == false)
        #expect(object["max_tokens"] as? Int == 7)
    }
}

/// The client against the real llama.cpp server that `scripts/test` starts (`FOLIO_TEST_LLM_URL`).
@Suite("chat client: real llama-server", .enabled(if: LLMTestServer.available, "no FOLIO_TEST_LLM_URL (outside CI)"))
struct ChatClientServerTests {
    let messages = [ChatMessage.system("You are a helpful assistant."),
                    ChatMessage.user("Name three colours of the rainbow.")]

    @Test("streaming: text arrives in pieces that add up to the answer, with usage and a finish reason")
    func streaming() throws {
        let client = try ChatClient(baseURL: try LLMTestServer.requireURL(), timeout: 120)
        var pieces: [String] = []
        let completion = try client.complete(messages, maxTokens: 24, temperature: 0, onText: { pieces.append($0) })
        #expect(pieces.count > 1, "a stream, not one block: \(pieces)")
        #expect(pieces.joined() == completion.text)
        #expect(!completion.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(["stop", "length"].contains(completion.finishReason ?? ""))
        #expect((completion.usage?.promptTokens ?? 0) > 5)
        #expect((completion.usage?.completionTokens ?? 0) >= 1)
        #expect(completion.model?.isEmpty == false)
    }

    @Test("non-streaming: the same API in one JSON body")
    func whole() throws {
        let client = try ChatClient(baseURL: try LLMTestServer.requireURL(), timeout: 120)
        var calls = 0
        let completion = try client.complete(messages, maxTokens: 24, temperature: 0, stream: false,
                                             onText: { _ in calls += 1 })
        #expect(calls == 1)
        #expect(!completion.text.isEmpty)
        #expect((completion.usage?.totalTokens ?? 0) > 5)
    }

    @Test("the model name comes from /v1/models when none is given")
    func firstModel() throws {
        let model = try ChatClient(baseURL: try LLMTestServer.requireURL()).firstModel()
        #expect(model.contains("gemma"), "\(model)")
    }

    @Test("a wrong path on the real server is an HTTP error naming the URL")
    func notFound() throws {
        let url = try LLMTestServer.requireURL().replacingOccurrences(of: "/v1", with: "/no-such-api")
        let client = try ChatClient(baseURL: url, model: "m", timeout: 30)
        do {
            _ = try client.complete(messages, maxTokens: 4)
            Issue.record("expected HTTP 404")
        } catch let error as FolioLLMError {
            guard case .http(let named, let status, _) = error else { Issue.record("got \(error)"); return }
            #expect(named == url + "/chat/completions")
            #expect(status == 404)
        }
    }

    @Test("a deadline shorter than the work: timeout, not a partial answer")
    func timeout() throws {
        // A prompt the server has not seen (no prompt cache) takes seconds to read on two cores: 15 sentences are
        // about 640 tokens, some 2 s here (60 took 7.7 s), several times the deadline. It must fit the server's
        // 4,096-token slot, or the server rejects it at once (HTTP 400) and the test races the deadline, as 300
        // sentences (about 12,900 tokens) did. Kept short so the abandoned request does not hold a slot for long.
        let filler = (0..<15).map { "Sentence \($0) of \(UUID().uuidString) is filler text." }.joined(separator: " ")
        // The model is named so the deadline falls on the completion, not on the /models lookup.
        let client = try ChatClient(baseURL: try LLMTestServer.requireURL(), model: "gemma-3-270m-q4_k_m", timeout: 0.3)
        #expect(throws: FolioLLMError.timeout(url: client.completionsURL.absoluteString, seconds: 0.3)) {
            _ = try client.complete([.user(filler + "\nSummarize.")], maxTokens: 200)
        }
    }
}
