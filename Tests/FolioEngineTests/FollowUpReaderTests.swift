@testable import FolioEngine
import Foundation
import Testing

@Suite("follow-up reading without an LLM")
struct FollowUpReaderTests {
    func turn(_ question: String, document: Int64?, terms: [String]) -> ConversationTurn {
        ConversationTurn(question: question, readAs: question, reading: "alone", documentID: document,
                         document: document.map { "doc\($0).pdf" }, documentName: document.map { "Doc \($0)" },
                         terms: terms, answer: "…", abstained: false, chunkIDs: [], askedAt: Date())
    }

    @Test("words and openings that point back", arguments: [
        ("And the decoder?", true), ("Why?", true), ("How many heads does it use?", true),
        ("Which optimizer did they train it with?", true), ("What perplexity did this corpus give?", true),
        ("Did the authors use dropout as well?", true),
        ("How many layers does the ResNet encoder have?", false), ("What is layer normalization?", false),
    ])
    func refersBack(question: String, expected: Bool) {
        #expect(FollowUpReader.refersBack(question) == expected)
    }

    @Test("a follow-up carries the document and terms; a switch drops the document; a first question is alone")
    func readings() {
        let reader = FollowUpReader()
        let files: (Int64) -> String? = { "doc\($0).pdf" }
        let history = [turn("How many layers does the Transformer's encoder have?", document: 1, terms: ["layers", "encoder"])]
        let first = reader.read("How many layers?", after: [], named: [], queryTerms: ["layers"], documentFile: files)
        #expect(first.method == .alone)
        #expect(first.carry == nil)

        let follow = reader.read("And the decoder?", after: history, named: [], queryTerms: ["decoder"], documentFile: files)
        #expect(follow.method == .followUp)
        #expect(follow.carry?.documents == [1: reader.documentWeight])
        #expect(follow.carry?.terms == ["layers", "encoder"])
        #expect(follow.readAs == "And the decoder? — in Doc 1 (doc1.pdf); with “layers”, “encoder”")

        // Names document 2: the old document is dropped; "that" still carries the terms.
        let switched = reader.read("Does doc2 use that many layers?", after: history, named: [2],
                                   queryTerms: ["doc2", "many", "layers"], documentFile: files)
        #expect(switched.method == .topicSwitch)
        #expect(switched.carry?.documents.isEmpty != false)
        #expect(switched.carry?.terms == ["Doc 1", "encoder"])  // what "that" may point back to
        let standalone = reader.read("What learning rate does doc2 use for warmup?", after: history, named: [2],
                                     queryTerms: ["learning", "rate", "warmup"], documentFile: files)
        #expect(standalone.method == .topicSwitch)
        #expect(standalone.carry == nil)

        // Names nothing and does not point back: the document is kept, at the lower weight, without terms.
        let loose = reader.read("What learning rate schedule was used for warmup?", after: history, named: [],
                                queryTerms: ["learning", "rate", "schedule", "warmup"], documentFile: files)
        #expect(loose.method == .followUp)
        #expect(loose.carry?.documents == [1: reader.looseDocumentWeight])
        #expect(loose.carry?.terms == [])
    }

    @Test("the LLM's reply is taken as a question only when it reads as one")
    func standaloneQuestion() {
        #expect(Folio.standaloneQuestion(from: "Standalone question: \"How many heads does the Transformer use?\"\n")
                == "How many heads does the Transformer use?")
        #expect(Folio.standaloneQuestion(from: "\n\n  What is BERT's vocabulary size?") == "What is BERT's vocabulary size?")
        #expect(Folio.standaloneQuestion(from: "") == nil)
        #expect(Folio.standaloneQuestion(from: "?") == nil)
        #expect(Folio.standaloneQuestion(from: String(repeating: "word ", count: 200)) == nil)
    }
}
