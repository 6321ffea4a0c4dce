@testable import FolioEngine
import FolioStore
import Foundation
import Testing

@Suite("hybrid retrieval with the real encoder")
struct RetrieverTests {
    /// A store whose chunks carry real MiniLM vectors.
    func makeEmbeddedStore(_ documents: [(file: String, chunks: [String])]) throws -> (FolioStore, URL) {
        let model = try encoder()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-retriever-\(UUID())")
        let store = try FolioStore(directory: directory)
        for (index, document) in documents.enumerated() {
            let chunks = document.chunks.enumerated().map { ordinal, text in
                NewChunk(ordinal: ordinal, pageStart: ordinal + 1, pageEnd: ordinal + 1, section: nil, text: text,
                         tokenCount: 12, embedding: model.embed(text))
            }
            try store.insert(NewDocument(
                path: "/papers/\(document.file)", fileName: document.file, sha256: String(repeating: "\(index + 1)", count: 64),
                title: (document.file as NSString).deletingPathExtension, author: nil,
                pages: document.chunks.enumerated().map { ($0.offset + 1, $0.element) }, chunks: chunks))
        }
        return (store, directory)
    }

    @Test("the best candidates of the document the question names reach the second stage")
    func namedDocumentCandidates() throws {
        let (store, directory) = try makeEmbeddedStore([
            ("winches.pdf", ["A winch launch pulls a sailplane up on a cable wound by a winch engine.",
                             "The winch launched sailplanes to 400 metres; each winch launch takes a minute.",
                             "Winch drivers watch the cable during every launch of the winch."]),
            ("glider.pdf", ["The Albatross is a two-seat sailplane built for training flights.",
                            "Its wings are long and thin, with a span of eighteen metres.",
                            "Our pilots used the Kestrel winch to launch it at the club."]),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let question = "Which winch launched the glider?"
        // With a second stage of one chunk, the named document's passage must be added to be weighed at all.
        var settings = RetrievalSettings(rerankDepth: 1)
        let named = try Retriever(store: store, encoder: try encoder(), settings: settings).search(question, k: 1)
        #expect(named.first?.chunk.fileName == "glider.pdf")
        #expect(named.first?.chunk.text.contains("Kestrel") == true)
        settings.namedDepth = 0
        let unnamed = try Retriever(store: store, encoder: try encoder(), settings: settings).search(question, k: 1)
        #expect(unnamed.first?.chunk.fileName == "winches.pdf")
    }
}
