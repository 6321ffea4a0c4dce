import FolioStore
import Foundation
import GRDB
import Testing

@Suite("SQLite store")
struct FolioStoreTests {
    /// Writes `folio.sqlite` in `directory` as the first release did (schema v1, recorded as GRDB's migration), then
    /// runs `sql` on it: what a store made by an older Folio holds.
    func writeFirstSchema(in directory: URL, then sql: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: directory.appendingPathComponent("folio.sqlite").path)
        try old.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL, file_name TEXT NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE, title TEXT NOT NULL, author TEXT, pages INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL, ingested_at REAL NOT NULL);
                CREATE TABLE pages (document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (document_id, number)) WITHOUT ROWID;
                CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
                    page_start INTEGER NOT NULL, page_end INTEGER NOT NULL, section TEXT, text TEXT NOT NULL,
                    token_count INTEGER NOT NULL, embedding BLOB NOT NULL);
                CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id',
                    tokenize="porter unicode61 remove_diacritics 2");
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
            try db.execute(sql: sql)
        }
        try old.close()
    }

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

    @Test("a store made before documents recorded their pipeline opens, keeps its data, and records it from then on")
    func migratesVersion1() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-v1-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The first schema, as the first release wrote it, with one document.
        try writeFirstSchema(in: directory, then: """
            INSERT INTO documents VALUES (1, '/papers/old.pdf', 'old.pdf', 'dddd4444', 'Old', NULL, 1, 0, 0);
            """)
        let store = try FolioStore(directory: directory)
        let documents = try store.documents()
        #expect(documents.map(\.fileName) == ["old.pdf"])
        #expect(documents.first?.pipeline == "")  // made by a Folio that did not say how: extracted again
        var next = makeDocument(name: "new.pdf", sha: "eeee5555", texts: ["fresh text"])
        next.pipeline = "extraction 2; chunks 112/256/1"
        _ = try store.insert(next)
        #expect(try store.document(sha256: "eeee5555")?.pipeline == "extraction 2; chunks 112/256/1")
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("the document-facts migration: names kept per document, a generation stamp every insert and delete advances")
    func documentFacts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-facts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A store as the release before this migration left it: schema v1 + v2, one document, no stamp.
        try writeFirstSchema(in: directory, then: """
            ALTER TABLE documents ADD COLUMN pipeline TEXT NOT NULL DEFAULT '';
            INSERT INTO grdb_migrations VALUES ('v2');
            INSERT INTO documents VALUES (1, '/papers/old.pdf', 'old.pdf', 'dddd4444', 'Old', NULL, 1, 2, 0, 'p');
            """)
        let store = try FolioStore(directory: directory)
        #expect(try store.documents().map(\.fileName) == ["old.pdf"])
        #expect(try store.introducedNames().isEmpty)  // not known yet: found on demand, filled by the next ingest
        let first = try store.generation()
        #expect(first.chunks == 2)
        let stamp = try #require(first.generation)

        var next = makeDocument(name: "new.pdf", sha: "eeee5555", texts: ["fresh text"])
        next.introducedNames = ["Fresh"]
        let inserted = try store.insert(next)
        let afterInsert = try store.generation()
        #expect(afterInsert.chunks == 3)
        #expect(afterInsert.generation != nil && afterInsert.generation != stamp)
        #expect(try store.chunkKeys().generation == afterInsert.generation)
        #expect(try store.introducedNames() == [inserted.id: ["Fresh"]])
        try store.setIntroducedNames([1: []])
        #expect(try store.introducedNames() == [inserted.id: ["Fresh"], 1: []])

        try store.remove(documentID: inserted.id)
        let afterRemove = try store.generation()
        #expect(afterRemove.chunks == 2)
        #expect(afterRemove.generation != afterInsert.generation && afterRemove.generation != stamp)
        // Opening again keeps the stamp; a store made from scratch never shares one.
        #expect(try FolioStore(directory: directory).generation().generation == afterRemove.generation)
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("folio-facts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: other) }
        #expect(try FolioStore(directory: other).generation().generation != afterRemove.generation)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("a read-only open of a missing store says how to create one")
    func missingStore() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-none-\(UUID())")
        #expect(throws: FolioStoreError.self) { try FolioStore(directory: directory, readOnly: true) }
    }
}
