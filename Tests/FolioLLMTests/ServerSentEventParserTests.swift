@testable import FolioLLM
import Foundation
import Testing

@Suite("server-sent events")
struct ServerSentEventParserTests {
    @Test("events split anywhere, CRLF or LF, comments and other fields ignored, multi-line data joined")
    func splitAnywhere() {
        let stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: message\nid: 7\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        // Every way of cutting the stream in two gives the same events.
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...]) + parser.finish()
            #expect(events == ["{\"a\":1}", "line one\nline two", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test("a last event without its blank line still counts at the end of the stream")
    func unterminated() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: {\"x\":2}".utf8)).isEmpty)
        #expect(parser.finish() == ["{\"x\":2}"])
    }

    @Test("data without a space after the colon, and a bare field name")
    func fieldForms() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data:x\ndata\n\n".utf8)) == ["x\n"])
    }
}

@Suite("chat response decoding")
struct ChatResponseDecoderTests {
    func decode(_ body: String, contentType: String, stream: Bool = true) throws -> (ChatCompletion, [String]) {
        var pieces: [String] = []
        var decoder = ChatResponseDecoder(url: "http://test/v1/chat/completions", onText: { pieces.append($0) })
        try decoder.consume(Data(body.utf8), contentType: contentType)
        return (try decoder.finish(streamRequested: stream), pieces)
    }

    @Test("a stream of deltas with a usage-only last chunk")
    func streamed() throws {
        let body = """
            data: {"model":"m1","choices":[{"index":0,"delta":{"role":"assistant"}}]}

            data: {"choices":[{"index":0,"delta":{"content":"Six layers"}}]}

            data: {"choices":[{"index":0,"delta":{"content":" [1]."},"finish_reason":"stop"}]}

            data: {"choices":[],"usage":{"prompt_tokens":90,"completion_tokens":4,"total_tokens":94}}

            data: [DONE]


            """
        let (completion, pieces) = try decode(body, contentType: "text/event-stream")
        #expect(completion.text == "Six layers [1].")
        #expect(pieces == ["Six layers", " [1]."])
        #expect(completion.model == "m1")
        #expect(completion.finishReason == "stop")
        #expect(completion.usage == ChatUsage(promptTokens: 90, completionTokens: 4, totalTokens: 94))
    }

    @Test("malformed and incomplete streams fail with one-line messages", arguments: [
        ("data: {not json\n\n", "event data is not a JSON object"),
        ("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n", "the stream ended before [DONE]"),
        ("data: {\"object\":\"chat.completion.chunk\"}\n\n", "an event without choices"),
        (": only a comment\n\n", "the event stream held no data"),
        ("data: [DONE]\n\ndata: {\"choices\":[]}\n\n", "data after [DONE]"),
    ])
    func malformed(body: String, reason: String) throws {
        do {
            _ = try decode(body, contentType: "text/event-stream")
            Issue.record("expected an error for \(body)")
        } catch let error as FolioLLMError {
            guard case .malformed(let url, let got) = error else { Issue.record("got \(error)"); return }
            #expect(url == "http://test/v1/chat/completions")
            #expect(got.hasPrefix(reason), "\(got)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a model that stops at once is an empty answer, not a success")
    func emptyAnswer() throws {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
        #expect(throws: FolioLLMError.emptyAnswer(url: "http://test/v1/chat/completions", finishReason: "stop")) {
            _ = try decode(body, contentType: "text/event-stream")
        }
    }

    @Test("an error object inside the stream becomes the error message")
    func errorInStream() throws {
        let body = "data: {\"error\":{\"message\":\"context\\nlength exceeded\",\"code\":400}}\n\n"
        #expect(throws: FolioLLMError.http(url: "http://test/v1/chat/completions", status: 200,
                                           message: "context length exceeded")) {
            _ = try decode(body, contentType: "text/event-stream")
        }
    }

    @Test("a whole JSON answer, also when a stream was asked for but the server sent JSON")
    func whole() throws {
        let body = #"{"model":"m","choices":[{"message":{"role":"assistant","content":"Adam [2]."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#
        for stream in [false, true] {
            let (completion, pieces) = try decode(body, contentType: "application/json; charset=utf-8", stream: stream)
            #expect(completion.text == "Adam [2].")
            #expect(pieces == ["Adam [2]."])
            #expect(completion.usage?.totalTokens == 8)
        }
    }
}
