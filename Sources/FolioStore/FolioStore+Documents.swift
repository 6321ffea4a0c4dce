import Foundation
import GRDB

extension FolioStore {
    static func document(from row: Row) -> DocumentRecord {
        DocumentRecord(id: row["id"], path: row["path"], fileName: row["file_name"], sha256: row["sha256"],
                       title: row["title"], author: row["author"], pageCount: row["pages"],
                       chunkCount: row["chunk_count"],
                       ingestedAt: Date(timeIntervalSince1970: row["ingested_at"]), pipeline: row["pipeline"])
    }

    /// All documents, by file name.
    public func documents() throws -> [DocumentRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM documents ORDER BY file_name, id").map(Self.document(from:))
        }
    }

    /// The document with this content hash, if stored.
    public func document(sha256: String) throws -> DocumentRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM documents WHERE sha256 = ?", arguments: [sha256])
                .map(Self.document(from:))
        }
    }

    /// Documents matching a name: a file name (`bert.pdf`), a path, or a file name without `.pdf`.
    public func documents(matching name: String) throws -> [DocumentRecord] {
        let base = (name as NSString).lastPathComponent
        let absolute = URL(fileURLWithPath: name).standardizedFileURL.path
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM documents WHERE file_name = ? OR file_name = ? OR path = ? OR path = ?
                ORDER BY file_name, id
                """, arguments: [base, base + ".pdf", name, absolute]).map(Self.document(from:))
        }
    }

    /// Stores a document with its pages and chunks in one transaction, replacing `replacing` (a document id)
    /// in the same transaction when given, so a reader or a crash never sees half of either.
    /// - Returns: the stored document.
    @discardableResult
    public func insert(_ document: NewDocument, replacing: Int64? = nil) throws -> DocumentRecord {
        try write { db in
            if let replacing {
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [replacing])
            }
            let now = Date()
            try db.execute(sql: """
                INSERT INTO documents (path, file_name, sha256, title, author, pages, chunk_count, ingested_at, pipeline,
                                       introduced_names)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [document.path, document.fileName, document.sha256, document.title, document.author,
                                 document.pages.count, document.chunks.count, now.timeIntervalSince1970,
                                 document.pipeline, document.introducedNames.map(Self.jsonArray)])
            let id = db.lastInsertedRowID
            let pageStatement = try db.makeStatement(sql: """
                INSERT INTO pages (document_id, number, text, source, confidence, word_boxes) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for page in document.pages {
                let source = document.pageSources[page.number]
                try pageStatement.execute(arguments: [id, page.number, page.text, source?.source ?? "text",
                                                      source?.confidence, source?.wordBoxes])
            }
            let chunkStatement = try db.makeStatement(sql: """
                INSERT INTO chunks (chunk_id, document_id, ordinal, page_start, page_end, section, text, token_count, embedding)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let prefix = String(document.sha256.prefix(12))
            for chunk in document.chunks {
                try chunkStatement.execute(arguments: [
                    "\(prefix)-\(chunk.ordinal)", id, chunk.ordinal, chunk.pageStart, chunk.pageEnd, chunk.section,
                    chunk.text, chunk.tokenCount, Self.blob(chunk.embedding),
                ])
            }
            return DocumentRecord(id: id, path: document.path, fileName: document.fileName, sha256: document.sha256,
                                  title: document.title, author: document.author, pageCount: document.pages.count,
                                  chunkCount: document.chunks.count, ingestedAt: now, pipeline: document.pipeline)
        }
    }

    /// Records that a known document now lives at `path` (moved or renamed), removing `replacing` (the document
    /// previously stored at that path) in the same transaction.
    public func updateLocation(documentID: Int64, path: String, fileName: String, replacing: Int64? = nil) throws {
        try write { db in
            if let replacing {
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [replacing])
            }
            try db.execute(sql: "UPDATE documents SET path = ?, file_name = ? WHERE id = ?",
                           arguments: [path, fileName, documentID])
        }
    }

    /// The names each document introduces, as stored at ingest; a document stored before they were kept has no
    /// entry (see ``setIntroducedNames(_:)``).
    public func introducedNames() throws -> [Int64: [String]] {
        try read { db in
            var out: [Int64: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, introduced_names FROM documents WHERE introduced_names IS NOT NULL") {
                let text: String = row[1]
                out[row[0]] = (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
            }
            return out
        }
    }

    /// Stores the introduced names of documents stored before they were kept (one transaction).
    public func setIntroducedNames(_ names: [Int64: [String]]) throws {
        guard !names.isEmpty else { return }
        try write { db in
            for (id, list) in names {
                try db.execute(sql: "UPDATE documents SET introduced_names = ? WHERE id = ?",
                               arguments: [Self.jsonArray(list), id])
            }
        }
    }

    static func jsonArray(_ list: [String]) -> String {
        (try? JSONEncoder().encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Deletes a document with its pages and chunks (one transaction).
    public func remove(documentID: Int64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [documentID])
        }
    }

    /// The raw text of one stored page.
    public func pageText(documentID: Int64, page: Int) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT text FROM pages WHERE document_id = ? AND number = ?",
                                arguments: [documentID, page])
        }
    }

    /// Where each page of a document that did not come from its text layer got its text (OCR), by page.
    /// - Parameter pages: only these pages (all when nil).
    public func pageSources(documentID: Int64, pages: [Int]? = nil) throws -> [PageSourceRecord] {
        try read { db in
            var sql = "SELECT number, source, confidence, word_boxes FROM pages WHERE document_id = ? AND source != 'text'"
            var arguments: [DatabaseValueConvertible?] = [documentID]
            if let pages {
                sql += " AND number IN (\(pages.map { _ in "?" }.joined(separator: ",")))"
                arguments += pages.map { $0 as DatabaseValueConvertible? }
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY number", arguments: StatementArguments(arguments)).map {
                PageSourceRecord(number: $0["number"], source: $0["source"], confidence: $0["confidence"],
                                 wordBoxes: $0["word_boxes"])
            }
        }
    }

    /// Per document with OCR pages: how many, and their mean confidence (0–100).
    public func ocrSummary() throws -> [Int64: (pages: Int, confidence: Double)] {
        try read { db in
            var summary: [Int64: (pages: Int, confidence: Double)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT document_id, count(*) AS n, avg(confidence) AS c FROM pages WHERE source = 'ocr' GROUP BY document_id
                """) {
                summary[row["document_id"]] = (row["n"], row["c"] ?? 0)
            }
            return summary
        }
    }

    /// Runs SQLite's own consistency check; returns "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    static func blob(_ vector: [Float]) -> Data {
        vector.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func vector(_ data: Data) -> [Float] {
        let count = data.count / MemoryLayout<Float>.size
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = data.copyBytes(to: buffer)
            initialized = count
        }
    }
}

extension FolioStore {
    /// A value that changes whenever a document is added, replaced, moved or removed, by this process or another
    /// one (`folio ingest` beside a running server): the count, highest id and summed ingest times and chunk counts
    /// of the documents table. Readers compare it to know when their derived indexes are stale.
    /// - Complexity: one scan of the documents table (a row per document, not per chunk).
    public func contentSignature() throws -> String {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS n, coalesce(max(id), 0) AS top, coalesce(sum(ingested_at), 0) AS at,
                       coalesce(sum(chunk_count), 0) AS chunks, coalesce(group_concat(path, char(31)), '') AS paths
                FROM documents
                """) else { return "" }
            let n: Int64 = row["n"], top: Int64 = row["top"], at: Double = row["at"], chunks: Int64 = row["chunks"]
            let paths: String = row["paths"]
            return "\(n)/\(top)/\(at)/\(chunks)/\(paths.hashValue)"
        }
    }

    /// The document with this id, if stored.
    public func document(id: Int64) throws -> DocumentRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM documents WHERE id = ?", arguments: [id]).map(Self.document(from:))
        }
    }
}
