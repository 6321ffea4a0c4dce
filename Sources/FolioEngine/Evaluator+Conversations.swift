import FolioLLM
import Foundation

/// One evaluation conversation, shaped like the lines of `shared/eval/conversations-dev.jsonl`: an id and turns in
/// the single-question format.
public struct EvalConversation: Sendable, Codable {
    public var id: String?
    public var turns: [EvalQuestion]

    /// Whether the JSON-lines file at `url` holds conversations (its first object has `turns`) rather than questions.
    public static func isConversationFile(_ url: URL) -> Bool {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
        return object["turns"] is [Any]
    }

    /// Reads a JSON-lines file of conversations.
    /// - Throws: `FolioEngineError.unreadableQuestions` naming the line.
    public static func load(_ url: URL) throws -> [EvalConversation] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FolioEngineError.unreadableQuestions(path: url.path, line: 0, reason: "cannot read the file")
        }
        var conversations: [EvalConversation] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let conversation = try? JSONDecoder().decode(EvalConversation.self, from: Data(trimmed.utf8)),
                  !conversation.turns.isEmpty else {
                throw FolioEngineError.unreadableQuestions(path: url.path, line: number + 1,
                                                           reason: "not a conversation object ({\"id\", \"turns\": [question, …]})")
            }
            conversations.append(conversation)
        }
        return conversations
    }
}

/// The figures of one group of turns (hit@k over the answerable ones, abstentions over the unanswerable ones).
public struct EvalSummary: Sendable, Codable {
    public var questions: Int
    public var answerable: Int
    public var unanswerable: Int
    public var hitAt1: Double
    public var hitAt3: Double
    public var hitAt5: Double
    public var hitAt10: Double
    public var mrrAt10: Double
    public var answerContainment: Double
    public var answeredWhenAnswerable: Double
    public var abstainedWhenUnanswerable: Int
    /// Answerable turns whose answer's first citation is from the gold document.
    public var answeredFromGoldDocument: Int

    init(_ items: [EvalItem], answerDocuments: [String?], golds: [String?]) {
        questions = items.count
        let answerable = items.filter(\.answerable)
        self.answerable = answerable.count
        unanswerable = items.count - answerable.count
        let n = Double(max(answerable.count, 1))
        func hit(_ at: Int) -> Double { Double(answerable.filter { ($0.firstHitRank ?? .max) <= at }.count) / n }
        hitAt1 = hit(1)
        hitAt3 = hit(3)
        hitAt5 = hit(5)
        hitAt10 = hit(10)
        mrrAt10 = answerable.reduce(0.0) { sum, item in
            guard let rank = item.firstHitRank, rank <= 10 else { return sum }
            return sum + 1.0 / Double(rank)
        } / n
        answerContainment = Double(answerable.filter { $0.answerContainsGold == true }.count) / n
        answeredWhenAnswerable = Double(answerable.filter { !$0.abstained }.count) / n
        abstainedWhenUnanswerable = items.filter { !$0.answerable && $0.abstained }.count
        answeredFromGoldDocument = zip(items, zip(answerDocuments, golds)).filter { item, documents in
            item.answerable && !item.abstained && documents.0 != nil && documents.0 == documents.1
        }.count
    }
}

/// One turn of an evaluated conversation: in the conversation and asked alone.
public struct ConversationEvalItem: Sendable, Codable {
    public var conversation: String?
    /// 1-based.
    public var turn: Int
    /// `first`, `follow-up`, `topic-switch` (a follow-up whose gold document is not the last turn's) or
    /// `unanswerable` (a follow-up the documents do not answer).
    public var kind: String
    public var readAs: String
    public var reading: String
    public var inConversation: EvalItem
    /// The same question asked alone (the baseline).
    public var alone: EvalItem
    /// The document of the first citation in the conversation, nil when it abstained.
    public var answerDocument: String?
    public var aloneAnswerDocument: String?
}

/// Conversation metrics: turn 1, the follow-ups (topic switches and unanswerable ones also on their own), each
/// beside the same questions asked alone.
public struct ConversationEvalReport: Sendable, Codable {
    public var settings: RetrievalSettings
    public var k: Int
    public var conversations: Int
    public var turns: Int
    public var firstTurns: EvalSummary
    /// Every turn after the first (answerable or not).
    public var followUps: EvalSummary
    public var topicSwitches: EvalSummary
    public var unanswerableFollowUps: EvalSummary
    /// The follow-ups asked alone, without the conversation.
    public var followUpsAlone: EvalSummary
    public var topicSwitchesAlone: EvalSummary
    public var unanswerableFollowUpsAlone: EvalSummary
    /// Milliseconds the conversation added to asking a follow-up (reading it and the carried retrieval), median.
    public var medianAddedMilliseconds: Double
    public var items: [ConversationEvalItem]
}

extension Folio {
    /// Runs every conversation turn by turn through the conversation reading (``ask(_:k:documentIDs:in:condenser:)``)
    /// and each follow-up also alone, and scores both.
    /// - Parameter condenser: an LLM to rewrite follow-ups (`--llm`); nil for the deterministic reading.
    public func evaluate(conversations: [EvalConversation], k: Int = 10, settings: RetrievalSettings? = nil,
                         condenser: ChatClient? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> ConversationEvalReport {
        let saved = retrieval
        if let settings { retrieval = settings }
        defer { retrieval = saved }
        try requireDocuments()
        var items: [ConversationEvalItem] = []
        var added: [Double] = []
        let total = conversations.reduce(0) { $0 + $1.turns.count }
        var done = 0
        for conversation in conversations {
            var state = Conversation()
            var previousGold: String? = nil
            for (index, question) in conversation.turns.enumerated() {
                progress?(done, total)
                done += 1
                let clock = ContinuousClock()
                let started = clock.now
                let reading = try read(question.question, in: state, condenser: condenser)
                var retrieved = try retriever().retrieve(reading.query, k: max(k, 10), carry: reading.carry)
                let inConversationTime = clock.now - started
                let results = retrieved.results
                retrieved.results = Array(results.prefix(5))  // what `folio ask` sees with its default --k
                let answer = try self.answer(reading.query, retrieval: retrieved)
                let item = score(question, answer: answer, results: results, k: k)

                let aloneStarted = clock.now
                var alone = try retrieve(question.question, k: max(k, 10), documentIDs: nil)
                let aloneTime = clock.now - aloneStarted
                let aloneResults = alone.results
                alone.results = Array(aloneResults.prefix(5))
                let aloneAnswer = try self.answer(question.question, retrieval: alone)
                if index > 0, condenser == nil { added.append(Self.milliseconds(inConversationTime - aloneTime)) }

                let kind: String
                if index == 0 {
                    kind = "first"
                } else if !question.isAnswerable {
                    kind = "unanswerable"
                } else if let previousGold, question.document != previousGold {
                    kind = "topic-switch"
                } else {
                    kind = "follow-up"
                }
                items.append(ConversationEvalItem(
                    conversation: conversation.id, turn: index + 1, kind: kind, readAs: reading.readAs,
                    reading: reading.method.rawValue, inConversation: item,
                    alone: score(question, answer: aloneAnswer, results: aloneResults, k: k),
                    answerDocument: answer.abstained ? nil : answer.citations.first?.chunk.fileName,
                    aloneAnswerDocument: aloneAnswer.abstained ? nil : aloneAnswer.citations.first?.chunk.fileName))
                state.append(try turn(question.question, reading: reading, answer: answer, scorer: retrieved.scorer,
                                      previous: state.turns.last))
                if question.isAnswerable { previousGold = question.document }
            }
        }
        progress?(total, total)
        let golds = Dictionary(uniqueKeysWithValues: conversations.flatMap { conversation in
            conversation.turns.enumerated().map { ("\(conversation.id ?? "")#\($0.offset + 1)", $0.element.document) }
        })
        func summary(_ selected: [ConversationEvalItem], alone: Bool) -> EvalSummary {
            EvalSummary(selected.map { alone ? $0.alone : $0.inConversation },
                        answerDocuments: selected.map { alone ? $0.aloneAnswerDocument : $0.answerDocument },
                        golds: selected.map { golds["\($0.conversation ?? "")#\($0.turn)"] ?? nil })
        }
        let first = items.filter { $0.kind == "first" }
        let followUps = items.filter { $0.kind != "first" }
        let switches = items.filter { $0.kind == "topic-switch" }
        let unanswerable = items.filter { $0.kind == "unanswerable" }
        let sortedAdded = added.sorted()
        return ConversationEvalReport(
            settings: settings ?? saved, k: k, conversations: conversations.count, turns: items.count,
            firstTurns: summary(first, alone: false), followUps: summary(followUps, alone: false),
            topicSwitches: summary(switches, alone: false), unanswerableFollowUps: summary(unanswerable, alone: false),
            followUpsAlone: summary(followUps, alone: true), topicSwitchesAlone: summary(switches, alone: true),
            unanswerableFollowUpsAlone: summary(unanswerable, alone: true),
            medianAddedMilliseconds: sortedAdded.isEmpty ? 0 : sortedAdded[sortedAdded.count / 2],
            items: items)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
