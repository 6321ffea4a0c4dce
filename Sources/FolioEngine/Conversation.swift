import FolioLLM
import Foundation

/// What a follow-up carries into retrieval from the conversation before it, weighed below what the question says.
public struct QueryCarry: Sendable, Equatable {
    /// Documents the conversation is about, each with the name weight it gets (at most 1, what naming it gives).
    public var documents: [Int64: Double]
    /// Key terms of the earlier turns: mixed into the dense query and scored in the second stage at `termWeight`,
    /// never part of the question's own coverage (which the abstention judges).
    public var terms: [String]
    public var termWeight: Double

    public init(documents: [Int64: Double] = [:], terms: [String] = [], termWeight: Double = 0) {
        self.documents = documents
        self.terms = terms
        self.termWeight = termWeight
    }
}

/// One turn of a conversation as it is kept: the question, how it was read, and the answer.
public struct ConversationTurn: Sendable, Codable, Equatable {
    public var question: String
    /// The question as retrieval read it (a standalone rewrite, or the question with what it was narrowed to).
    public var readAs: String
    /// `alone`, `follow-up`, `topic-switch`, `llm` (see ``FollowUpReading/Method``).
    public var reading: String
    /// The document the conversation is about after this turn: the one it named, carried, or answered from.
    public var documentID: Int64?
    /// That document's file name, for display.
    public var document: String?
    /// How the user named it (`the Transformer`, `LoRA`), else its title.
    public var documentName: String?
    /// The turn's key terms (its own, then some carried from before), carried into the next follow-up.
    public var terms: [String]
    public var answer: String
    public var abstained: Bool
    /// The chunks the answer cites.
    public var chunkIDs: [String]
    public var askedAt: Date

    // Spelled out: a key strategy would turn `documentID` into `document_id` and back into `documentId`.
    enum CodingKeys: String, CodingKey {
        case question, readAs = "read_as", reading, documentID = "document_id", document
        case documentName = "document_name", terms, answer, abstained, chunkIDs = "chunk_ids", askedAt = "asked_at"
    }
}

/// A conversation: its last turns, oldest first. Named conversations live in the store.
public struct Conversation: Sendable, Equatable {
    /// The name it is stored under; nil for one kept only in memory (the interactive session).
    public var name: String?
    public var turns: [ConversationTurn]

    /// How many turns a conversation keeps: a follow-up is read in the light of the last one or two.
    public static let keptTurns = 20

    public init(name: String? = nil, turns: [ConversationTurn] = []) {
        self.name = name
        self.turns = turns
    }

    mutating func append(_ turn: ConversationTurn) {
        turns.append(turn)
        if turns.count > Self.keptTurns { turns.removeFirst(turns.count - Self.keptTurns) }
    }
}

/// How a question was read in its conversation.
public struct FollowUpReading: Sendable {
    public enum Method: String, Sendable, Codable {
        /// On its own: the first turn, or a question that stands on its own.
        case alone
        /// Narrowed to the conversation's document and earlier terms.
        case followUp = "follow-up"
        /// It names another document: the old one is dropped.
        case topicSwitch = "topic-switch"
        /// The LLM rewrote it as a standalone question.
        case condensed = "llm"
    }

    public var method: Method
    /// What retrieval and the answer read: the question, or the LLM's standalone rewrite.
    public var query: String
    /// What the user is shown: `Read as: …`.
    public var readAs: String
    public var carry: QueryCarry?
    /// The carried document's file name, when one is carried.
    public var document: String?
    /// Why the LLM's rewrite was not used, when it was asked and failed.
    public var condenseFailure: String?
}

/// An answer in a conversation: the answer, how the question was read, the conversation after it.
public struct ConversationAnswer: Sendable {
    public var answer: Answer
    public var reading: FollowUpReading
    public var conversation: Conversation
    /// Milliseconds of the stages (`read`, `retrieve`, `answer`), when measured.
    public var milliseconds: [String: Double] = [:]

    public init(answer: Answer, reading: FollowUpReading, conversation: Conversation) {
        self.answer = answer
        self.reading = reading
        self.conversation = conversation
    }

    /// The object of `folio ask --json` plus `read_as` and `conversation`.
    public var json: [String: Any] { decorate(answer.json) }

    /// `object` with `read_as`, `reading` and (for a named conversation) `conversation`.
    public func decorate(_ object: [String: Any]) -> [String: Any] {
        var object = object
        object["read_as"] = reading.readAs
        var detail: [String: Any] = ["method": reading.method.rawValue, "query": reading.query]
        detail["document"] = reading.document ?? NSNull()
        detail["terms"] = reading.carry?.terms ?? []
        if let failure = reading.condenseFailure { detail["condense_error"] = failure }
        object["reading"] = detail
        if let name = conversation.name { object["conversation"] = name }
        return object
    }
}

/// Reads a follow-up in the light of its conversation, without an LLM: deterministic and cheap (the name and term
/// look-ups retrieval does anyway).
///
/// A question that refers back ("it", "they", "that corpus", "And the decoder?", "Why?") or is too short to stand
/// alone carries the conversation's document at the weight of naming it, and the last turns' key terms at a lower
/// weight. A question that names another document switches: the old document is dropped (its terms are carried
/// only when the question also refers back, "Did BERT keep that warmup length?"). A question that names nothing
/// and does not refer back keeps the document at a lower weight only.
public struct FollowUpReader: Sendable {
    /// Name weight of the conversation's document for a question that refers back.
    public var documentWeight = 1.0
    /// Name weight of the conversation's document for a question that stands on its own but names none.
    public var looseDocumentWeight = 0.5
    /// Weight of the carried terms against the question's own.
    public var termWeight = 0.3
    /// At most this many terms carried.
    public var maxTerms = 4
    /// A question with at most this many content terms leans on the conversation ("And the decoder?").
    public var shortQuestionTerms = 2

    public init() {}

    /// Words that point back to something said before.
    static let referringWords: Set<String> = [
        "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "this", "that", "these", "those",
        "he", "she", "his", "her", "there", "such", "same", "other", "former", "latter", "aforementioned",
    ]
    /// Openings of a question that continues the last one.
    static let continuingOpenings = ["and ", "and,", "but ", "so ", "also ", "then ", "what about", "how about",
                                     "why", "how come", "what else", "anything else", "same for", "is that", "was that"]

    /// Whether `question` points back to the conversation.
    public static func refersBack(_ question: String) -> Bool {
        let lowered = TextMatch.fold(question).trimmingCharacters(in: .whitespaces)
        if continuingOpenings.contains(where: { lowered.hasPrefix($0) }) { return true }
        let words = TextMatch.words(question)
        if words.contains(where: referringWords.contains) { return true }
        for phrase in ["the paper", "the authors", "the model", "the book", "the method", "the network",
                       "the approach", "the architecture", "as well", "instead"] where lowered.contains(phrase) {
            return true
        }
        return false
    }

    /// Reads `question` after `turns` (oldest first).
    /// - Parameters:
    ///   - named: the documents the question names (``Retriever/namedDocuments(_:)``).
    ///   - documentFile: a document id's file name.
    ///   - queryTerms: the question's content terms.
    public func read(_ question: String, after turns: [ConversationTurn], named: [Int64], queryTerms: [String],
                     documentFile: (Int64) -> String?) -> FollowUpReading {
        let alone = FollowUpReading(method: .alone, query: question, readAs: question, carry: nil)
        guard let last = turns.last else { return alone }
        let refers = Self.refersBack(question)
        let short = queryTerms.count <= shortQuestionTerms
        let own = Set(queryTerms.map { TextMatch.fold($0) })
        let terms = Array(last.terms.filter { !own.contains(TextMatch.fold($0)) }.prefix(maxTerms))
        let termCarry = (refers || short) ? terms : []
        if !named.isEmpty, !(last.documentID.map(named.contains) ?? false) {
            // Another document: the old one is dropped. What the question points back to is then the thing the
            // conversation was about ("Did BERT keep that warmup length?", "What does the Little Book say this
            // optimizer keeps track of?"): its name, and the last turn's named things, at the lower weight.
            let switchTerms = refers ? Array(([last.documentName].compactMap { $0 } + terms).prefix(maxTerms)) : []
            let carry = switchTerms.isEmpty ? nil : QueryCarry(terms: switchTerms, termWeight: termWeight)
            return FollowUpReading(method: .topicSwitch, query: question,
                                   readAs: Self.readAs(question, document: nil, terms: switchTerms), carry: carry)
        }
        guard let documentID = last.documentID else {
            guard !termCarry.isEmpty else { return alone }
            return FollowUpReading(method: .followUp, query: question,
                                   readAs: Self.readAs(question, document: nil, terms: termCarry),
                                   carry: QueryCarry(terms: termCarry, termWeight: termWeight))
        }
        let file = documentFile(documentID)
        if named.contains(documentID) {
            guard !termCarry.isEmpty else { return alone }
            return FollowUpReading(method: .followUp, query: question,
                                   readAs: Self.readAs(question, document: nil, terms: termCarry),
                                   carry: QueryCarry(documents: [documentID: 1], terms: termCarry, termWeight: termWeight),
                                   document: file)
        }
        let weight = (refers || short) ? documentWeight : looseDocumentWeight
        // A question that leans on the conversation is read as the whole question: with the name the user gave
        // the document, as if they had typed it ("Did they use dropout as well? — ResNet").
        var query = question
        if refers || short, let name = last.documentName, !name.isEmpty {
            query = question + " — " + name
        }
        let label = [last.documentName, file.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        return FollowUpReading(method: .followUp, query: query,
                               readAs: Self.readAs(question, document: label.isEmpty ? nil : label, terms: termCarry),
                               carry: QueryCarry(documents: [documentID: weight], terms: termCarry, termWeight: termWeight),
                               document: file)
    }

    /// `question — in DOCUMENT, after: terms`: the question with what it was narrowed to.
    static func readAs(_ question: String, document: String?, terms: [String]) -> String {
        var narrowed: [String] = []
        if let document { narrowed.append("in \(document)") }
        if !terms.isEmpty { narrowed.append("with " + terms.map { "“\($0)”" }.joined(separator: ", ")) }
        return narrowed.isEmpty ? question : question + " — " + narrowed.joined(separator: "; ")
    }
}
