import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One message of a chat request.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
}

/// Token counts as the server reports them (`usage`); servers that report none leave this nil.
public struct ChatUsage: Sendable, Equatable {
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var totalTokens: Int?
}

/// A finished chat completion.
public struct ChatCompletion: Sendable {
    /// The generated text, whole.
    public var text: String
    /// The model the server says answered (else the one requested).
    public var model: String?
    public var finishReason: String?
    public var usage: ChatUsage?
    /// Wall-clock time from sending the request to the last byte.
    public var seconds: Double
}

/// A client for the OpenAI-compatible chat API (`POST {base}/chat/completions`) that llama.cpp's `llama-server`,
/// Ollama, vLLM and LM Studio serve, streaming with server-sent events or not.
///
/// It sends one request to the URL it is given and nothing else: redirects are not followed, and nothing in a
/// response is acted on except the generated text.
public struct ChatClient: Sendable {
    /// The base URL, e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: URL
    /// The model name to send; nil asks the server (`GET {base}/models`) for its first model.
    public var model: String?
    /// Sent as `Authorization: Bearer …` when set.
    public var apiKey: String?
    /// Seconds for the whole request, from connecting to the last byte.
    public var timeout: Double

    /// - Throws: `FolioLLMError.invalidURL` unless `baseURL` is an http(s) URL with a host.
    public init(baseURL: String, model: String? = nil, apiKey: String? = nil, timeout: Double = 120) throws {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw FolioLLMError.invalidURL(baseURL)
        }
        // A bare host (Ollama's http://127.0.0.1:11434) means the usual /v1; a full endpoint URL is trimmed back.
        var base = url
        if base.path.isEmpty || base.path == "/" {
            base = base.appendingPathComponent("v1")
        } else if base.path.hasSuffix("/chat/completions") {
            base = base.deletingLastPathComponent().deletingLastPathComponent()
        }
        self.baseURL = base
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
    }

    /// `{base}/chat/completions`.
    public var completionsURL: URL { baseURL.appendingPathComponent("chat").appendingPathComponent("completions") }

    /// The first model `GET {base}/models` lists.
    /// - Throws: `FolioLLMError` when the server cannot be reached or lists none.
    public func firstModel() throws -> String {
        let url = baseURL.appendingPathComponent("models")
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        let body = try HTTPExchange(request: authorized(request), timeout: timeout, url: url.absoluteString).run()
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw FolioLLMError.malformed(url: url.absoluteString, reason: "the model list is not a JSON object")
        }
        let entries = (object["data"] as? [[String: Any]]) ?? (object["models"] as? [[String: Any]]) ?? []
        guard let id = entries.lazy.compactMap({ ($0["id"] as? String) ?? ($0["model"] as? String) }).first else {
            throw FolioLLMError.noModel(url: url.absoluteString)
        }
        return id
    }

    /// Sends `messages` and returns the whole answer.
    ///
    /// - Parameters:
    ///   - maxTokens: the most tokens the model may generate.
    ///   - stream: ask for server-sent events; `onText` then receives each piece of text as it arrives.
    ///   - onText: called with each new piece of text (once with the whole text when not streaming), on a
    ///     background thread, before this method returns.
    ///   - isCancelled: asked as each piece arrives; true cuts the request off (`FolioLLMError.cancelled`), so a
    ///     client that went away stops the model's work.
    /// - Throws: `FolioLLMError`, each naming the URL and the cause.
    public func complete(_ messages: [ChatMessage], maxTokens: Int = 512, temperature: Double = 0.2,
                         stream: Bool = true, onText: ((String) -> Void)? = nil,
                         isCancelled: (@Sendable () -> Bool)? = nil) throws -> ChatCompletion {
        let model = try self.model ?? firstModel()
        let url = completionsURL
        var payload: [String: Any] = [
            "model": model,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "max_tokens": maxTokens,
            "temperature": temperature,
            "stream": stream,
        ]
        if stream { payload["stream_options"] = ["include_usage": true] }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(stream ? "text/event-stream" : "application/json", forHTTPHeaderField: "Accept")
        request.httpBody = try JSONSerialization.data(withJSONObject: payload)

        let started = Date()
        var decoder = ChatResponseDecoder(url: url.absoluteString, onText: onText)
        let exchange = HTTPExchange(request: authorized(request), timeout: timeout, url: url.absoluteString)
        let address = url.absoluteString
        exchange.onBody = { chunk, contentType in
            if isCancelled?() == true { throw FolioLLMError.cancelled(url: address) }
            try decoder.consume(chunk, contentType: contentType)
        }
        _ = try exchange.run()
        var completion = try decoder.finish(streamRequested: stream)
        completion.seconds = Date().timeIntervalSince(started)
        if completion.model == nil { completion.model = model }
        return completion
    }

    private func authorized(_ request: URLRequest) -> URLRequest {
        var request = request
        if let apiKey, !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        return request
    }
}

/// Turns a chat response, streamed (`text/event-stream`) or whole (`application/json`), into a completion.
struct ChatResponseDecoder {
    let url: String
    let onText: ((String) -> Void)?
    private var events = ServerSentEventParser()
    private var isEventStream: Bool?
    private var body = Data()
    private var text = ""
    private var model: String?
    private var finishReason: String?
    private var usage: ChatUsage?
    private var sawDone = false
    private var sawChunk = false

    init(url: String, onText: ((String) -> Void)?) {
        self.url = url
        self.onText = onText
    }

    mutating func consume(_ chunk: Data, contentType: String?) throws {
        if isEventStream == nil { isEventStream = contentType?.lowercased().contains("text/event-stream") ?? false }
        guard isEventStream == true else {
            body.append(chunk)
            return
        }
        for data in events.feed(chunk) { try handle(event: data) }
    }

    mutating func finish(streamRequested: Bool) throws -> ChatCompletion {
        if isEventStream == true {
            for data in events.finish() { try handle(event: data) }
            guard sawChunk else { throw FolioLLMError.malformed(url: url, reason: "the event stream held no data") }
            guard sawDone || finishReason != nil else {
                throw FolioLLMError.malformed(url: url, reason: "the stream ended before [DONE]")
            }
        } else {
            try decodeWhole()
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw FolioLLMError.emptyAnswer(url: url, finishReason: finishReason)
        }
        return ChatCompletion(text: text, model: model, finishReason: finishReason, usage: usage, seconds: 0)
    }

    private mutating func handle(event data: String) throws {
        let trimmed = data.trimmingCharacters(in: .whitespaces)
        if trimmed == "[DONE]" {
            sawDone = true
            return
        }
        guard !sawDone else { throw FolioLLMError.malformed(url: url, reason: "data after [DONE]") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
            throw FolioLLMError.malformed(url: url, reason: "event data is not a JSON object: \(trimmed.oneLine(limit: 60))")
        }
        sawChunk = true
        if let message = Self.errorMessage(object) { throw FolioLLMError.http(url: url, status: 200, message: message) }
        read(metadataOf: object)
        guard let choices = object["choices"] as? [[String: Any]] else {
            if object["usage"] is [String: Any] { return }  // the usage-only last chunk of include_usage
            throw FolioLLMError.malformed(url: url, reason: "an event without choices")
        }
        for choice in choices where (choice["index"] as? Int ?? 0) == 0 {
            if let reason = choice["finish_reason"] as? String { finishReason = reason }
            if let piece = (choice["delta"] as? [String: Any])?["content"] as? String, !piece.isEmpty {
                text += piece
                onText?(piece)
            }
        }
    }

    private mutating func decodeWhole() throws {
        guard !body.isEmpty else { throw FolioLLMError.malformed(url: url, reason: "empty body") }
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            let start = String(decoding: body.prefix(60), as: UTF8.self)
            throw FolioLLMError.malformed(url: url, reason: "the body is not a JSON object: \(start.oneLine(limit: 60))")
        }
        if let message = Self.errorMessage(object) { throw FolioLLMError.http(url: url, status: 200, message: message) }
        read(metadataOf: object)
        guard let choice = (object["choices"] as? [[String: Any]])?.first,
              let message = choice["message"] as? [String: Any] else {
            throw FolioLLMError.malformed(url: url, reason: "no choices[0].message")
        }
        finishReason = choice["finish_reason"] as? String
        text = message["content"] as? String ?? ""
        if !text.isEmpty { onText?(text) }
    }

    private mutating func read(metadataOf object: [String: Any]) {
        if let name = object["model"] as? String, !name.isEmpty { model = name }
        if let usage = object["usage"] as? [String: Any] {
            self.usage = ChatUsage(promptTokens: usage["prompt_tokens"] as? Int,
                                   completionTokens: usage["completion_tokens"] as? Int,
                                   totalTokens: usage["total_tokens"] as? Int)
        }
    }

    /// The message of an OpenAI-style error object (`{"error": {"message": …}}` or `{"error": "…"}`).
    static func errorMessage(_ object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any] {
            return (error["message"] as? String ?? "\(error)").oneLine()
        }
        if let error = object["error"] as? String { return error.oneLine() }
        return nil
    }
}
