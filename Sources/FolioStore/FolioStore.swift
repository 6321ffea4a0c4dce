import Foundation
import GRDB

/// The SQLite store (`<dir>/folio.sqlite`): documents, pages, chunks with embeddings, and an FTS5 index over
/// chunk text. It is the source of truth; every derived index can be rebuilt from it.
///
/// Opened in WAL mode through a `DatabasePool`, so readers (`ask`, `search`) run while an ingest writes, and
/// each document is written in one transaction, so readers and crashes only ever see whole documents.
/// `@unchecked Sendable`: immutable after init (`url` and `pool` are `let`s); GRDB's `DatabasePool` does its own
/// locking (one writer at a time, pooled readers).
public final class FolioStore: @unchecked Sendable {
    /// The database file.
    public let url: URL
    let pool: DatabasePool

    /// Opens (creating when needed) the store in `directory`.
    /// - Throws: `FolioStoreError.cannotOpen`, `.newerSchema`.
    public init(directory: URL, readOnly: Bool = false) throws {
        url = directory.appendingPathComponent("folio.sqlite")
        do {
            if !readOnly {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } else if !FileManager.default.fileExists(atPath: url.path) {
                throw FolioStoreError.cannotOpen(path: url.path, reason: "no store here yet; run `folio ingest` first")
            }
            var config = Configuration()
            config.foreignKeysEnabled = true
            config.busyMode = .timeout(30)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Read through a memory map: loading every embedding for the vector index is then page faults
                // on cached pages rather than thousands of pread calls.
                try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            }
            pool = try DatabasePool(path: url.path, configuration: config)
        } catch let error as FolioStoreError {
            throw error
        } catch {
            throw FolioStoreError.cannotOpen(path: url.path, reason: Self.reason(error))
        }
        try migrate()
    }

    static let schemaVersion = 3

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        // FTS5 tokenizer: Porter stemming over unicode61 ("checkpoints" finds "checkpoint"), with no extra token
        // characters, so `d_model` and `BERT-large` are indexed as their parts and queried as phrases.
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY,
                    path TEXT NOT NULL,
                    file_name TEXT NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    author TEXT,
                    pages INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    ingested_at REAL NOT NULL
                );
                CREATE INDEX documents_file_name ON documents(file_name);
                CREATE TABLE pages (
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    PRIMARY KEY (document_id, number)
                ) WITHOUT ROWID;
                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY,
                    chunk_id TEXT NOT NULL UNIQUE,
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    page_start INTEGER NOT NULL,
                    page_end INTEGER NOT NULL,
                    section TEXT,
                    text TEXT NOT NULL,
                    token_count INTEGER NOT NULL,
                    embedding BLOB NOT NULL
                );
                CREATE INDEX chunks_document ON chunks(document_id, ordinal);
                CREATE VIRTUAL TABLE chunks_fts USING fts5(
                    text, content='chunks', content_rowid='id', tokenize="porter unicode61 remove_diacritics 2"
                );
                CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
                    INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
                END;
                CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
                    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        // Which extraction and chunk settings made each document, so that a later Folio (or other settings)
        // extracts it again instead of keeping what an older one made.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE documents ADD COLUMN pipeline TEXT NOT NULL DEFAULT ''")
        }
        // Per-document facts a question needs, kept at ingest so a question's cost does not grow with the library:
        // the names each document introduces (JSON array; NULL for documents stored before, found on demand and
        // filled in by the next ingest), and a generation that every document insert or delete advances (with a
        // random store id, so a store made again from scratch never repeats a stamp), so a saved vector index
        // that matches the current stamp is used without re-reading every chunk's key.
        migrator.registerMigration("document-facts") { db in
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN introduced_names TEXT;
                INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '1');
                INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));
                CREATE TRIGGER documents_generation_ai AFTER INSERT ON documents BEGIN
                    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
                END;
                CREATE TRIGGER documents_generation_ad AFTER DELETE ON documents BEGIN
                    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
                END;
                """)
        }
        // Where each page's text came from: its text layer, or OCR with the mean word confidence and the words'
        // boxes (a scanned page has no text layer to locate a passage on). The partial index keeps `folio docs`
        // from reading every page's text to count the OCR pages (a third of its time at 2,000 papers).
        migrator.registerMigration("ocr-page-sources") { db in
            try db.execute(sql: """
                ALTER TABLE pages ADD COLUMN source TEXT NOT NULL DEFAULT 'text';
                ALTER TABLE pages ADD COLUMN confidence REAL;
                ALTER TABLE pages ADD COLUMN word_boxes BLOB;
                CREATE INDEX pages_ocr ON pages(document_id, confidence) WHERE source = 'ocr';
                """)
        }
        // Named conversations (`folio ask --conversation NAME`, the server's `conversation` field): their last
        // turns, so a follow-up is read in their light from any process.
        migrator.registerMigration("conversations") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    name TEXT PRIMARY KEY,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE conversation_turns (
                    id INTEGER PRIMARY KEY,
                    conversation TEXT NOT NULL REFERENCES conversations(name) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    turn TEXT NOT NULL,
                    asked_at REAL NOT NULL,
                    UNIQUE (conversation, ordinal)
                );
                """)
        }
        do {
            try migrator.migrate(pool)
        } catch {
            throw FolioStoreError.cannotOpen(path: url.path, reason: Self.reason(error))
        }
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch {
            throw FolioStoreError.database(path: url.path, reason: Self.reason(error))
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch {
            throw FolioStoreError.database(path: url.path, reason: Self.reason(error))
        }
    }
}
