import FolioStore
import Foundation
import Testing

@Suite("SQLite store")
struct FolioStoreTests {
    func makeDocument(name: String, sha: String, texts: [String]) -> NewDocument {
        NewDocument(path: "/papers/\(name)", fileName: name, sha256: sha, title: "Title of \(name)", author: nil,
                    pages: texts.enumerated().map { ($0.offset + 1, $0.element) },
                    chunks: texts.enumerated().map {
                        NewChunk(ordinal: $0.offset, pageStart: $0.offset + 1, pageEnd: $0.offset + 1, section: nil,
                                 text: $0.element, tokenCount: 5, embedding: [Float($0.offset), 1, 2])
                    })
    }

    @Test("insert, read back, full-text search, replace and remove on a real file")
    func roundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-store-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FolioStore(directory: directory)
        let a = try store.insert(makeDocument(name: "a.pdf", sha: "aaaa1111", texts: ["the d_model is 512", "label smoothing of 0.1"]))
        _ = try store.insert(makeDocument(name: "b.pdf", sha: "bbbb2222", texts: ["warmup steps were 4000"]))
        #expect(try store.documents().map(\.fileName) == ["a.pdf", "b.pdf"])
        #expect(try store.chunkCount() == 3)
        #expect(try store.embeddings().map(\.vector) == [[0, 1, 2], [1, 1, 2], [0, 1, 2]])
        #expect(try store.chunks(documentIDs: [a.id], page: 2).map(\.text) == ["label smoothing of 0.1"])
        #expect(try store.chunks(chunkID: "aaaa1111-1").first?.pages == [2])

        let hits = try store.lexicalSearch(matchExpression: FolioStore.matchExpression(terms: ["d_model"]), limit: 5)
        #expect(try store.chunks(rowIDs: hits.map(\.rowID)).map(\.text) == ["the d_model is 512"])
        let quoted = try store.lexicalSearch(matchExpression: FolioStore.matchExpression(terms: ["a\"b", "warmup"]), limit: 5)
        #expect(quoted.count == 1)

        // Replace a.pdf with new content in one transaction.
        _ = try store.insert(makeDocument(name: "a.pdf", sha: "cccc3333", texts: ["new text only"]), replacing: a.id)
        #expect(try store.documents().count == 2)
        #expect(try store.chunkCount() == 2)
        #expect(try store.lexicalSearch(matchExpression: "\"smoothing\"", limit: 5).isEmpty)

        let b = try #require(try store.document(sha256: "bbbb2222"))
        try store.remove(documentID: b.id)
        #expect(try store.documents().map(\.fileName) == ["a.pdf"])
        #expect(try store.integrityCheck() == "ok")

        // Reopening sees the same data.
        let reopened = try FolioStore(directory: directory, readOnly: true)
        #expect(try reopened.chunkCount() == 1)
    }

    @Test("a read-only open of a missing store says how to create one")
    func missingStore() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-none-\(UUID())")
        #expect(throws: FolioStoreError.self) { try FolioStore(directory: directory, readOnly: true) }
    }
}
