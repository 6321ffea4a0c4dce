@testable import FolioEngine
import FolioStore
import Foundation
import Testing

@Suite("answers: meaning, span and abstention with the real encoder")
struct AnswerSpanTests {
    /// A store of one document whose chunks carry real MiniLM vectors, one chunk a page.
    func makeEmbeddedStore(file: String, chunks: [String]) throws -> (FolioStore, URL) {
        let model = try encoder()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-answers-\(UUID())")
        let store = try FolioStore(directory: directory)
        try store.insert(NewDocument(
            path: "/papers/\(file)", fileName: file, sha256: String(repeating: "a", count: 64),
            title: (file as NSString).deletingPathExtension, author: nil,
            pages: chunks.enumerated().map { ($0.offset + 1, $0.element) },
            chunks: chunks.enumerated().map { ordinal, text in
                NewChunk(ordinal: ordinal, pageStart: ordinal + 1, pageEnd: ordinal + 1, section: nil, text: text,
                         tokenCount: 40, embedding: model.embed(text))
            }))
        return (store, directory)
    }

    static let terns = [
        "Arctic terns travel in large noisy flocks each year. "
            + "Each year Arctic terns travel some seventy thousand kilometres from pole to pole. "
            + "Chicks hatch in the summer on rocky shores.",
        "The colony is counted by volunteers who walk the shore with clickers in June.",
    ]

    @Test("of two sentences with the same words, the one closer in meaning answers")
    func meaningChoosesTheSentence() throws {
        let (store, directory) = try makeEmbeddedStore(file: "seabirds.pdf", chunks: Self.terns)
        defer { try? FileManager.default.removeItem(at: directory) }
        let retriever = Retriever(store: store, encoder: try encoder())
        let question = "How far do Arctic terns travel each year?"
        let retrieval = try retriever.retrieve(question, k: 5)
        #expect(retrieval.queryVector?.count == 384)
        var wordsOnly = Answerer()
        wordsOnly.semanticWeight = 0
        let lexical = wordsOnly.answer(question, retrieval: retrieval, encoder: try encoder())
        #expect(lexical.results.first?.bestSentence?.hasPrefix("Arctic terns travel in large") == true)
        let answer = Answerer().answer(question, retrieval: retrieval, encoder: try encoder())
        #expect(!answer.abstained)
        #expect(answer.results.first?.bestSentence?.contains("seventy thousand kilometres") == true)
        #expect((answer.sentenceSimilarity ?? 0) > 0.3)
        #expect(lexical.sentenceSimilarity == nil)
    }

    @Test("the span is the number with its unit, or the clause after because", arguments: [
        ("How many layers does the Kestrel encoder stack?",
         "The Kestrel encoder is a stack of N = 12 identical layers, each with two sublayers.", "N = 12"),
        ("How long did training the Kestrel model take?",
         "Training the Kestrel model took 3.5 days on eight machines in our lab.", "3.5 days"),
        ("Why is the Kestrel cable checked before each launch?",
         "The Kestrel cable is checked before each launch because a frayed cable can snap under load.",
         "because a frayed cable can snap under load"),
        ("What does the Kestrel winch pull, and how?",
         "The Kestrel winch is quiet, the Kestrel winch pulls the sailplane up on a steel cable, and it is old.",
         "the Kestrel winch pulls the sailplane up on a steel cable"),
    ])
    func span(question: String, text: String, expected: String) throws {
        let (store, directory) = try makeStore([("kestrel.pdf", text)])
        defer { try? FileManager.default.removeItem(at: directory) }
        let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["kestrel.pdf"])
        let span = Answerer.answerSpan(question: question, sentences: [text], scorer: scorer)
        #expect(span?.hasPrefix(expected) == true, "span: \(span ?? "nil")")
        #expect(span.map { text.contains($0) } == true)
    }

    @Test("a number the question gives or a table reference is not the span")
    func spanSkipsGivenNumbers() {
        let words = Set(["how", "many", "heads", "does", "table", "3", "use"])
        #expect(Answerer.quantitySpan(in: "In Table 3 the model uses h = 8 heads.", besides: words) == "h = 8 heads")
        #expect(Answerer.quantitySpan(in: "As shown in Table 3, more heads help.", besides: words) == nil)
    }

    @Test("answered when the passage states it, abstained when its names are there but the count is not")
    func abstention() throws {
        let (store, directory) = try makeEmbeddedStore(file: "seabirds.pdf", chunks: Self.terns)
        defer { try? FileManager.default.removeItem(at: directory) }
        let retriever = Retriever(store: store, encoder: try encoder())
        let answerer = Answerer()
        let answerable = "How far do Arctic terns migrate in a year?"
        let stated = answerer.answer(answerable, retrieval: try retriever.retrieve(answerable, k: 5), encoder: try encoder())
        #expect(!stated.abstained)
        #expect(stated.text.contains("seventy thousand kilometres"))
        let nearMiss = "How many eggs does an Arctic tern lay each year?"
        let absent = answerer.answer(nearMiss, retrieval: try retriever.retrieve(nearMiss, k: 5), encoder: try encoder())
        #expect(absent.abstained)
        #expect(absent.answerSpan == nil)
        let unknown = "How far do Emperor penguins travel each year?"
        let other = answerer.answer(unknown, retrieval: try retriever.retrieve(unknown, k: 5), encoder: try encoder())
        #expect(other.abstained)
    }
}
