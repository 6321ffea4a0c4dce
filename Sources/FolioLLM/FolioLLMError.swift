import Foundation

/// Why a chat request failed. Each description is one line that names the URL and the cause, and says what to
/// check.
public enum FolioLLMError: Error, CustomStringConvertible, Equatable {
    /// The `--llm` value is not an `http://` or `https://` URL.
    case invalidURL(String)
    /// No connection: refused, unknown host, reset before any response.
    case unreachable(url: String, reason: String)
    /// The server answered with a non-2xx status.
    case http(url: String, status: Int, message: String)
    /// No complete answer within the deadline.
    case timeout(url: String, seconds: Double)
    /// The response is not what the OpenAI-compatible chat API returns.
    case malformed(url: String, reason: String)
    /// The response was well formed but held no text (a model that stops at once).
    case emptyAnswer(url: String, finishReason: String?)
    /// No `--llm-model` and the server lists no model.
    case noModel(url: String)
    /// The caller gave up (a web client went away); the request was cut off.
    case cancelled(url: String)

    public var description: String {
        switch self {
        case .invalidURL(let value):
            return "\(value): not an http:// or https:// URL; pass the server's base URL, e.g. http://127.0.0.1:8080/v1"
        case .unreachable(let url, let reason):
            return "\(url): cannot connect (\(reason)); is the LLM server running and is the URL right?"
        case .http(let url, let status, let message):
            let detail = message.isEmpty ? "" : ": \(message)"
            return "\(url): HTTP \(status)\(detail)"
        case .timeout(let url, let seconds):
            return "\(url): no complete answer within \(Self.format(seconds)) s; raise --llm-timeout or use a smaller model"
        case .malformed(let url, let reason):
            return "\(url): malformed response (\(reason)); is this an OpenAI-compatible chat API?"
        case .emptyAnswer(let url, let finishReason):
            let reason = finishReason.map { " (finish_reason: \($0))" } ?? ""
            return "\(url): the model returned no text\(reason)"
        case .noModel(let url):
            return "\(url): the server lists no model; name one with --llm-model or FOLIO_LLM_MODEL"
        case .cancelled(let url):
            return "\(url): cancelled before the answer was complete"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.3g", seconds)
    }
}

extension String {
    /// The text on one line and at most `limit` characters: server messages go into one-line errors.
    func oneLine(limit: Int = 200) -> String {
        let flat = split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }
}
