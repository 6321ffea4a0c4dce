import Foundation

/// An incremental parser for `text/event-stream` (the WHATWG "server-sent events" format) as the OpenAI-compatible
/// chat API uses it: `data:` lines, events ended by a blank line, `[DONE]` as the last data.
///
/// Bytes arrive in arbitrary pieces; `feed` keeps an incomplete line for the next call. Only the `data` field
/// matters here; `event`, `id`, `retry` and comment lines (`:`) are ignored, as the format allows.
public struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var data: [String] = []
    private var sawCarriageReturn = false

    public init() {}

    /// Adds bytes and returns the `data` payloads of the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && sawCarriageReturn {
                sawCarriageReturn = false  // the LF of a CRLF: the line already ended at the CR
                continue
            }
            sawCarriageReturn = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: a last event not followed by a blank line still counts (servers that close early).
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !buffer.isEmpty, let event = endLine() { events.append(event) }
        if !data.isEmpty { events.append(data.joined(separator: "\n")) }
        data = []
        return events
    }

    private mutating func endLine() -> String? {
        defer { buffer.removeAll(keepingCapacity: true) }
        if buffer.isEmpty {
            guard !data.isEmpty else { return nil }
            defer { data = [] }
            return data.joined(separator: "\n")
        }
        let line = String(decoding: buffer, as: UTF8.self)
        guard !line.hasPrefix(":") else { return nil }
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            var rest = line[line.index(after: colon)...]
            if rest.first == " " { rest = rest.dropFirst() }
            value = rest
        } else {
            field = line[...]
            value = ""
        }
        if field == "data" { data.append(String(value)) }
        return nil
    }
}
