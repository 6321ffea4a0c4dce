import FolioEngine
import FolioLLM
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /search` and `POST /ask`: exactly the objects of `folio search --json` and `folio ask --json`, the
/// answer optionally streamed as Server-Sent Events.
struct QueryController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("search") { request, _ in try await search(request) }
        group.post("ask") { request, _ in try await ask(request) }
    }

    // MARK: search

    func search(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let query = parameters.get("q")?.trimmingCharacters(in: .whitespacesAndNewlines), !query.isEmpty else {
            throw APIError.badRequest("GET /api/v1/search: give the query as ?q=…")
        }
        try checkLength(query, what: "the query")
        let k = try number(parameters.get("k"), name: "k", default: 10)
        let mode: RetrievalMode
        if let raw = parameters.get("mode") {
            guard let parsed = RetrievalMode(rawValue: raw) else {
                throw APIError.badRequest("GET /api/v1/search: mode \(raw.prefix(20)) is not one of \(RetrievalMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = parsed
        } else {
            mode = RetrievalSettings().mode
        }
        let ids = try await documentIDs(parameters.getAll("doc"))
        let data = try await mappingEngineErrors { try await state.pool.run { folio -> Data in
            folio.retrieval = RetrievalSettings()
            folio.retrieval.mode = mode
            defer { folio.retrieval = RetrievalSettings() }
            let results = try folio.search(query, k: k, documentIDs: ids)
            return try encodeJSON(["query": query, "results": results.map(\.json)])
        } }
        return Self.json(data)
    }

    // MARK: ask

    struct AskRequest: Sendable {
        var question: String
        var k: Int
        var documentIDs: [Int64]?
        var conversation: String?
        var llm: Bool
        var stream: Bool
    }

    func parseAsk(_ request: Request) async throws -> AskRequest {
        let object = try await request.jsonObject(limit: state.configuration.maxJSONBytes)
        guard let question = (object["question"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !question.isEmpty else {
            throw APIError.badRequest("POST /api/v1/ask: give the question as {\"question\": \"…\"}")
        }
        try checkLength(question, what: "the question")
        var k = 5
        if let value = object["k"] {
            guard let number = Self.wholeNumber(value) else { throw APIError.badRequest("POST /api/v1/ask: k must be a whole number") }
            k = try self.number(String(number), name: "k", default: 5)
        }
        var ids: [Int64]? = nil
        if let value = object["documents"], !(value is NSNull) {
            guard let list = value as? [Any], list.count <= 1000 else {
                throw APIError.badRequest("POST /api/v1/ask: documents must be a list of document ids, e.g. [1, 2]")
            }
            let numbers = try list.map { item -> Int64 in
                guard let number = Self.wholeNumber(item) else {
                    throw APIError.badRequest("POST /api/v1/ask: documents must be a list of document ids, e.g. [1, 2]")
                }
                return Int64(number)
            }
            if !numbers.isEmpty { ids = try await existing(numbers) }
        }
        var conversation: String? = nil
        if let value = object["conversation"], !(value is NSNull) {
            guard let text = value as? String, (1...128).contains(text.count) else {
                throw APIError.badRequest("POST /api/v1/ask: conversation must be an id of 1 to 128 characters")
            }
            conversation = text
        }
        let llm = (object["llm"] as? Bool) ?? false
        if llm && state.configuration.llm == nil {
            throw APIError.badRequest("POST /api/v1/ask: this server has no LLM; start it with --llm URL, or ask without \"llm\": true for an extractive answer")
        }
        return AskRequest(question: question, k: k, documentIDs: ids, conversation: conversation, llm: llm,
                          stream: (object["stream"] as? Bool) ?? false)
    }

    func ask(_ request: Request) async throws -> Response {
        let ask = try await parseAsk(request)
        if ask.stream { return streamedAnswer(ask) }
        let client = ask.llm ? state.configuration.llm : nil
        let contextTokens = state.configuration.llmContextTokens
        let data = try await mappingEngineErrors { try await state.pool.run { folio -> Data in
            if let client {
                if let name = ask.conversation {
                    let (generated, answered) = try folio.generate(
                        ask.question, k: ask.k, documentIDs: ask.documentIDs, in: try folio.conversation(named: name),
                        client: client, contextTokens: contextTokens, stream: false)
                    if let turn = answered.conversation.turns.last { try folio.keep(turn, in: name) }
                    let object = Self.placed(generated.extractive, in: generated.json(client: client), folio: folio)
                    return try encodeJSON(Self.decorate(answered.decorate(object), ask: ask))
                }
                let generated = try folio.generate(ask.question, k: ask.k, documentIDs: ask.documentIDs, client: client,
                                                   contextTokens: contextTokens, stream: false)
                let object = Self.placed(generated.extractive, in: generated.json(client: client), folio: folio)
                return try encodeJSON(Self.decorate(object, ask: ask))
            }
            let (answer, timings, answered) = try Self.timedAnswer(ask, folio: folio)
            let object = Self.placed(answer, in: answer.json, folio: folio, timings: timings)
            return try encodeJSON(Self.decorate(answered?.decorate(object) ?? object, ask: ask))
        } }
        return Self.json(data)
    }

    /// `event: sources`, then `event: token` per piece of a generated answer, then `event: answer` (or `event: error`).
    func streamedAnswer(_ ask: AskRequest) -> Response {
        let pool = state.pool
        let client = ask.llm ? state.configuration.llm : nil
        let contextTokens = state.configuration.llmContextTokens
        let body = ResponseBody { writer in
            let (events, sink) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)
            let gone = CancellationFlag()
            let work = Task {
                do {
                    _ = try await mappingEngineErrors { try await pool.run { folio -> Bool in
                        if let client {
                            let onText: (String) -> Void = { piece in sink.yield(JSONResponse.event("token", ["text": piece])) }
                            let onRetrieved: (Answer) -> Void = { answer in
                                sink.yield(JSONResponse.event("sources", ["results": answer.results.map(\.json)]))
                            }
                            var generated: GeneratedAnswer
                            var answered: ConversationAnswer? = nil
                            if let name = ask.conversation {
                                (generated, answered) = try folio.generate(
                                    ask.question, k: ask.k, documentIDs: ask.documentIDs,
                                    in: try folio.conversation(named: name), client: client,
                                    contextTokens: contextTokens, stream: true, onText: onText,
                                    onRetrieved: onRetrieved, isCancelled: { gone.isSet })
                                if let turn = answered?.conversation.turns.last { try folio.keep(turn, in: name) }
                            } else {
                                generated = try folio.generate(
                                    ask.question, k: ask.k, documentIDs: ask.documentIDs, client: client,
                                    contextTokens: contextTokens, stream: true, onText: onText,
                                    onRetrieved: onRetrieved, isCancelled: { gone.isSet })
                            }
                            let object = Self.placed(generated.extractive, in: generated.json(client: client), folio: folio)
                            sink.yield(JSONResponse.event("answer", Self.decorate(answered?.decorate(object) ?? object, ask: ask)))
                        } else {
                            let (answer, timings, answered) = try Self.timedAnswer(ask, folio: folio)
                            sink.yield(JSONResponse.event("sources", ["results": answer.results.map(\.json)]))
                            let object = Self.placed(answer, in: answer.json, folio: folio, timings: timings)
                            sink.yield(JSONResponse.event("answer", Self.decorate(answered?.decorate(object) ?? object, ask: ask)))
                        }
                        return true
                    } }
                } catch let error as APIError {
                    sink.yield(JSONResponse.event("error", ["error": ["code": error.code, "message": error.message]]))
                } catch {
                    sink.yield(JSONResponse.event("error", ["error": ["code": "internal", "message": "POST /api/v1/ask failed: \(error)"]]))
                }
                sink.finish()
            }
            do {
                for await event in events { try await writer.write(event) }
                try await writer.finish(nil)
            } catch {
                // The client went away: the LLM request is cut off at its next piece.
                gone.set()
                _ = await work.result
                throw error
            }
        }
        return Response(status: .ok, headers: JSONResponse.eventStreamHeaders, body: body)
    }

    /// The answer object with each citation's `boxes` (where its sentences lie on the pages) and `placed`
    /// (false when Folio cannot find them there, or the PDF is gone: then no box is drawn rather than a wrong one).
    static func placed(_ answer: Answer, in object: [String: Any], folio: Folio,
                       timings: [String: Double] = [:]) -> [String: Any] {
        let started = ContinuousClock.now
        guard var citations = object["citations"] as? [[String: Any]], citations.count == answer.citations.count else {
            return object
        }
        for (index, citation) in answer.citations.enumerated() {
            let location = (try? citation.sentences.isEmpty
                ? folio.boxes(forChunk: citation.chunk)
                : folio.boxes(forSentences: citation.sentences, in: citation.chunk)) ?? .unplaced
            citations[index]["boxes"] = location.boxes.map(BoxJSON.make)
            citations[index]["placed"] = location.placed
        }
        var object = object
        object["citations"] = citations
        if !timings.isEmpty {
            var all = timings
            all["locate"] = milliseconds(since: started)
            object["timings_ms"] = all
        }
        return object
    }

    /// The extractive answer, with the milliseconds of its stages (what the web app's inspector shows); in a
    /// conversation, read in its light (the turn kept in the store) and `read` timed too.
    static func timedAnswer(_ ask: AskRequest, folio: Folio) throws -> (Answer, [String: Double], ConversationAnswer?) {
        let started = ContinuousClock.now
        if let name = ask.conversation {
            let answered = try folio.ask(ask.question, k: ask.k, documentIDs: ask.documentIDs, conversationNamed: name)
            return (answered.answer, answered.milliseconds, answered)
        }
        let retrieval = try folio.retrieve(ask.question, k: ask.k, documentIDs: ask.documentIDs)
        let retrieved = ContinuousClock.now
        let answer = try folio.answer(ask.question, retrieval: retrieval)
        return (answer, ["retrieve": milliseconds(since: started, until: retrieved), "answer": milliseconds(since: retrieved)], nil)
    }

    static func milliseconds(since start: ContinuousClock.Instant, until end: ContinuousClock.Instant = .now) -> Double {
        let elapsed = end - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return (ms * 10).rounded() / 10
    }

    /// The answer object with what the request added: the conversation id.
    static func decorate(_ object: [String: Any], ask: AskRequest) -> [String: Any] {
        var object = object
        if let conversation = ask.conversation { object["conversation"] = conversation }
        return object
    }

    // MARK: helpers

    /// A JSON number that is a whole number, not a boolean. (JSONSerialization gives both as NSNumber on Linux, where
    /// `1 is Bool` holds; a boolean's Objective-C type is `c`.)
    static func wholeNumber(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 1e15 else { return nil }
        return number.intValue
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func checkLength(_ text: String, what: String) throws {
        let limit = state.configuration.maxQuestionCharacters
        if text.count > limit {
            throw APIError.tooLarge("\(what) is \(text.count) characters; the limit is \(limit): ask about one thing at a time")
        }
    }

    func number(_ raw: String?, name: String, default value: Int) throws -> Int {
        guard let raw else { return value }
        let limit = state.configuration.maxK
        guard let number = Int(raw), (1...limit).contains(number) else {
            throw APIError.badRequest("\(name) must be a whole number from 1 to \(limit), not \(raw.prefix(20))")
        }
        return number
    }

    /// `?doc=` values: document ids, or file names as `folio search --doc` takes them.
    func documentIDs(_ values: [String]) async throws -> [Int64]? {
        guard !values.isEmpty else { return nil }
        var ids: [Int64] = []
        var names: [String] = []
        for value in values.prefix(1000) {
            if let id = Int64(value) { ids.append(id) } else { names.append(value) }
        }
        if !ids.isEmpty { ids = try await existing(ids) }
        if !names.isEmpty {
            let named = names
            ids += try await mappingEngineErrors { try await state.catalog.run { folio in try folio.documentIDs(named: named) ?? [] } }
        }
        return ids
    }

    /// The ids, each checked to be stored (404 names the first that is not).
    func existing(_ ids: [Int64]) async throws -> [Int64] {
        let stored = Set(try await state.catalog.run { try $0.store.documents().map(\.id) })
        if let missing = ids.first(where: { !stored.contains($0) }) {
            throw APIError.notFound("no document \(missing) in this store; GET /api/v1/documents lists them")
        }
        return ids
    }
}

/// Set once when a streaming client goes away; read by the engine thread. `@unchecked Sendable`: `lock` guards
/// `value`.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
