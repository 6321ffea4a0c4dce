import FolioLLM
import FolioStore
import Foundation

extension Folio {
    /// Reads `question` in the light of `conversation`: alone, as a follow-up narrowed to the conversation's
    /// document and terms, or as a topic switch; with `condenser`, the LLM first rewrites it as a standalone
    /// question (a short prompt, a short timeout), the deterministic reading being the fallback.
    public func read(_ question: String, in conversation: Conversation, condenser: ChatClient? = nil) throws -> FollowUpReading {
        let deterministic = try deterministicReading(question, after: conversation.turns)
        guard let condenser, !conversation.turns.isEmpty else { return deterministic }
        switch condense(question, after: conversation.turns, client: condenser) {
        case .success(let standalone):
            // The rewrite is read as a question of its own: when it names the document it is about, that is the
            // document it is narrowed to; when it still points back, the conversation's document is carried.
            var reading = try deterministicReading(standalone, after: conversation.turns)
            reading.method = .condensed
            reading.query = standalone
            reading.readAs = standalone
            return reading
        case .failure(let error):
            var reading = deterministic
            reading.condenseFailure = "\(error)"
            return reading
        }
    }

    func deterministicReading(_ question: String, after turns: [ConversationTurn]) throws -> FollowUpReading {
        guard !turns.isEmpty else { return FollowUpReading(method: .alone, query: question, readAs: question) }
        let mentions = try retriever().documentMentions(question)
        let files = Dictionary(try store.documents().map { ($0.id, $0.fileName) }, uniquingKeysWith: { a, _ in a })
        let naming = Set(mentions.terms)
        let terms = LexicalQuery(question).terms.map(\.surface).filter { !naming.contains($0) }
        return followUps.read(question, after: turns, named: mentions.documents, queryTerms: terms,
                              documentFile: { files[$0] })
    }

    /// An extractive answer to `question` read in the light of `conversation`, and the conversation with the turn
    /// added (in memory: ``ask(_:k:documentIDs:conversationNamed:condenser:)`` keeps a named one in the store).
    public func ask(_ question: String, k: Int = 5, documentIDs: [Int64]?, in conversation: Conversation,
                    condenser: ChatClient? = nil) throws -> ConversationAnswer {
        try requireDocuments()
        let clock = ContinuousClock()
        let started = clock.now
        let reading = try read(question, in: conversation, condenser: condenser)
        let read = clock.now
        let retrieval = try retriever().retrieve(reading.query, k: k, documentIDs: documentIDs, carry: reading.carry)
        let retrieved = clock.now
        let answer = try self.answer(reading.query, retrieval: retrieval)
        let answered = clock.now
        var after = conversation
        after.append(try turn(question, reading: reading, answer: answer, scorer: retrieval.scorer,
                              previous: conversation.turns.last))
        var result = ConversationAnswer(answer: answer, reading: reading, conversation: after)
        func ms(_ duration: Duration) -> Double { (Self.milliseconds(duration) * 10).rounded() / 10 }
        result.milliseconds = ["read": ms(read - started), "retrieve": ms(retrieved - read), "answer": ms(answered - retrieved),
                               "turn": ms(clock.now - answered)]
        return result
    }

    /// ``ask(_:k:documentIDs:in:condenser:)`` on the stored conversation `name` (started when new), which keeps the
    /// new turn: a later process continues it.
    public func ask(_ question: String, k: Int = 5, documentIDs: [Int64]?, conversationNamed name: String,
                    condenser: ChatClient? = nil) throws -> ConversationAnswer {
        let result = try ask(question, k: k, documentIDs: documentIDs, in: try conversation(named: name),
                             condenser: condenser)
        if let turn = result.conversation.turns.last { try keep(turn, in: name) }
        return result
    }

    /// Adds `turn` to the stored conversation `name`, which keeps its last ``Conversation/keptTurns``.
    public func keep(_ turn: ConversationTurn, in name: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        try store.appendConversationTurn(name, turn: try encoder.encode(turn), keep: Conversation.keptTurns)
    }

    /// The stored conversation `name`; an empty one when there is none yet.
    public func conversation(named name: String) throws -> Conversation {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        // A turn this Folio cannot read (written by a later one) is left out rather than failing the conversation.
        let turns = try store.conversationTurns(name).compactMap { try? decoder.decode(ConversationTurn.self, from: $0) }
        return Conversation(name: name, turns: turns)
    }

    /// The shortest way the user named a document: a name written as an identifier (`GPT-2`, `LoRA`, `DPR`), else
    /// the first two naming words ("Little Book", "Dense Passage").
    static func shortName(_ terms: [String]) -> String {
        if let identifier = terms.first(where: { LexicalScorer.isIdentifier($0) || $0.allSatisfy(\.isUppercase) }) {
            return identifier
        }
        return terms.prefix(2).joined(separator: " ")
    }

    /// The turn as a conversation keeps it: what the conversation is about after it, and its key terms.
    /// - Parameter scorer: the retrieval's scorer (its term weights pick the key terms).
    public func turn(_ question: String, reading: FollowUpReading, answer: Answer, scorer: LexicalScorer?,
                     previous: ConversationTurn?) throws -> ConversationTurn {
        let mentions = try retriever().documentMentions(reading.query)
        let documents = try store.documents()
        let cited = answer.abstained ? nil : answer.citations.first?.chunk.documentID
        // The document the question names (the cited one among several), else the carried one, else the cited one.
        var documentID: Int64? = mentions.documents.first { $0 == cited } ?? mentions.documents.first
        var documentName: String? = nil
        if documentID != nil, !mentions.terms.isEmpty { documentName = Self.shortName(mentions.terms) }
        if documentID == nil, let carried = reading.carry?.documents.max(by: { $0.value < $1.value })?.key {
            documentID = carried
            documentName = previous?.documentID == carried ? previous?.documentName : nil
        }
        if documentID == nil { documentID = cited }
        let record = documents.first { $0.id == documentID }
        if documentName == nil, let record {
            var stem = record.fileName
            if stem.lowercased().hasSuffix(".pdf") { stem.removeLast(4) }
            documentName = stem
        }
        // Key terms: the named things the question and its answer's sentences talk about (`BooksCorpus`, `BART`,
        // `ReLU`, `V100`), not the document's own names, then what it carried. Plain words ("keep", "gain") were
        // tried and pulled follow-ups toward the last passage instead of the thing referred to.
        let nameWords = Set(documents.flatMap { LexicalScorer.nameWords(fileName: $0.fileName, title: $0.title).joined() })
        let naming = Set(mentions.terms.map { TextMatch.fold($0) })
        /// Identifiers (`BooksCorpus`, `V100`), and in a question also capitalized words after its first (`Tanh`):
        /// a sentence of a paper capitalizes too many words for that.
        func named(in text: String, capitalizedToo: Bool) -> [String] {
            LexicalQuery(text).terms.enumerated().filter { index, term in
                let folded = TextMatch.fold(term.surface)
                guard !naming.contains(folded), !nameWords.contains(TextMatch.stem(term.joined)),
                      term.surface.contains(where: \.isLetter) else { return false }
                if capitalizedToo {
                    return LexicalScorer.isIdentifier(term.surface) || (index > 0 && term.surface.first?.isUppercase == true)
                }
                // From a paper's sentence only names shaped like names (`V100`, `ReLU`, `RMSProp`): not formulas
                // (`d−0.5`), quantities (`350GB`), small-caps headings (`ONVERGENCE`) or two-letter symbols.
                let surface = term.surface
                guard LexicalScorer.isIdentifier(surface), surface.count >= 3, surface.first?.isLetter == true,
                      surface.allSatisfy({ $0.isLetter || $0.isNumber }) else { return false }
                return !(surface.allSatisfy(\.isUppercase) && surface.count > 5)
            }.map(\.1.surface)
        }
        let sentences = answer.abstained ? "" : answer.citations.flatMap(\.sentences).prefix(2).joined(separator: " ")
        var terms: [String] = []
        for term in named(in: reading.query, capitalizedToo: true) + named(in: sentences, capitalizedToo: false)
            + (reading.carry?.terms ?? []) + (reading.method == .topicSwitch ? [] : previous?.terms ?? [])
            where !terms.contains(where: { $0.lowercased() == term.lowercased() }) && terms.count < followUps.maxTerms {
            terms.append(term)
        }
        _ = scorer
        return ConversationTurn(question: question, readAs: reading.readAs, reading: reading.method.rawValue,
                                documentID: documentID, document: record?.fileName, documentName: documentName,
                                terms: terms, answer: answer.text, abstained: answer.abstained,
                                chunkIDs: answer.citations.map(\.chunk.chunkID), askedAt: Date())
    }

    /// Stored conversations, the most recently continued first.
    public func conversations() throws -> [ConversationRecord] { try store.conversations() }

    /// Removes the stored conversation `name`.
    /// - Returns: whether there was one.
    @discardableResult
    public func deleteConversation(_ name: String) throws -> Bool { try store.deleteConversation(name) }

    /// How long the LLM may take to rewrite a follow-up: a rewrite is a few words, and the deterministic reading
    /// is there when it is late.
    public static let condenseTimeout = 15.0

    /// The LLM's standalone rewrite of `question`, or why there is none.
    func condense(_ question: String, after turns: [ConversationTurn], client: ChatClient) -> Result<String, Error> {
        var client = client
        client.timeout = min(client.timeout, Self.condenseTimeout)
        var history = ""
        for turn in turns.suffix(3) {
            history += "User: \(turn.question)\n"
            history += "Assistant: \(String(turn.answer.prefix(200)))\n"
        }
        let messages: [ChatMessage] = [
            .system("""
                Rewrite the user's last question so that it can be understood without the conversation: replace \
                words that refer back (it, they, this paper, that) with what they refer to and name the document \
                the conversation is about. Keep everything else as the user wrote it. Reply with the question only.
                """),
            .user(history + "Last question: \(question)\nStandalone question:"),
        ]
        do {
            let completion = try client.complete(messages, maxTokens: 80, temperature: 0, stream: false)
            guard let rewrite = Self.standaloneQuestion(from: completion.text) else {
                return .failure(FolioEngineError.condenseUnusable(text: String(completion.text.prefix(80))))
            }
            return .success(rewrite)
        } catch {
            return .failure(error)
        }
    }

    /// The first line of an LLM's reply that reads as a question: labels and quotes stripped; nil when there is
    /// none (empty, no words, or longer than a question).
    static func standaloneQuestion(from reply: String) -> String? {
        for raw in reply.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            for label in ["standalone question:", "question:", "rewritten question:"]
                where line.lowercased().hasPrefix(label) {
                line = String(line.dropFirst(label.count)).trimmingCharacters(in: .whitespaces)
            }
            line = line.trimmingCharacters(in: CharacterSet(charactersIn: "\"“”'`*"))
            guard !line.isEmpty else { continue }
            guard line.count <= 400, TextMatch.words(line).count >= 2 else { return nil }
            return line
        }
        return nil
    }
}

extension Folio {
    /// A generated answer to `question` read in the light of `conversation` (the LLM behind `client` first
    /// rewrites a follow-up as a standalone question, the deterministic reading being the fallback), and the
    /// conversation with the turn added (in memory; ``keep(_:in:)`` stores it).
    /// - Parameter onRead: called with the reading before retrieval (the CLI prints `Read as: …` then).
    public func generate(_ question: String, k: Int = 5, documentIDs: [Int64]?, in conversation: Conversation,
                         client: ChatClient, contextTokens: Int = 4096, stream: Bool = true,
                         onText: ((String) -> Void)? = nil, onRetrieved: ((Answer) -> Void)? = nil,
                         isCancelled: (@Sendable () -> Bool)? = nil,
                         onRead: ((FollowUpReading) -> Void)? = nil) throws -> (generated: GeneratedAnswer, answer: ConversationAnswer) {
        let reading = try read(question, in: conversation, condenser: client)
        onRead?(reading)
        let generated = try generate(reading.query, k: k, documentIDs: documentIDs, client: client,
                                     contextTokens: contextTokens, stream: stream, onText: onText,
                                     onRetrieved: onRetrieved, isCancelled: isCancelled, carry: reading.carry)
        var after = conversation
        after.append(try turn(question, reading: reading, answer: generated.extractive, scorer: nil,
                              previous: conversation.turns.last))
        return (generated, ConversationAnswer(answer: generated.extractive, reading: reading, conversation: after))
    }
}
