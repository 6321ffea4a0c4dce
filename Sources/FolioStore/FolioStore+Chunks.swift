import Foundation
import GRDB

extension FolioStore {
    static let chunkColumns = """
        c.id AS row_id, c.chunk_id, c.document_id, d.file_name, d.title, c.ordinal, c.page_start, c.page_end,
        c.section, c.text, c.token_count
        """

    static func chunk(from row: Row) -> ChunkRecord {
        ChunkRecord(rowID: row["row_id"], chunkID: row["chunk_id"], documentID: row["document_id"],
                    fileName: row["file_name"], title: row["title"], ordinal: row["ordinal"],
                    pageStart: row["page_start"], pageEnd: row["page_end"], section: row["section"],
                    text: row["text"], tokenCount: row["token_count"])
    }

    /// Number of stored chunks.
    public func chunkCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0 }
    }

    /// The text of each document's first `count` chunks (its title page and abstract), in order.
    /// - Parameter documentIDs: when given, only these documents' openings.
    public func openingTexts(chunksPerDocument count: Int, documentIDs: [Int64]? = nil) throws -> [Int64: String] {
        if let documentIDs, documentIDs.isEmpty { return [:] }
        return try read { db in
            var texts: [Int64: [String]] = [:]
            var sql = "SELECT document_id, text FROM chunks WHERE ordinal < ?"
            var arguments: StatementArguments = [count]
            if let documentIDs {
                sql += " AND document_id IN (\(databaseQuestionMarks(count: documentIDs.count)))"
                arguments += StatementArguments(documentIDs)
            }
            for row in try Row.fetchAll(db, sql: sql + " ORDER BY document_id, ordinal", arguments: arguments) {
                texts[row["document_id"], default: []].append(row["text"])
            }
            return texts.mapValues { $0.joined(separator: " ") }
        }
    }

    /// Every chunk's row id and embedding, for building a vector index. Runs in one read transaction, so it
    /// sees whole documents only.
    public func embeddings() throws -> [(rowID: Int64, vector: [Float])] {
        try read { db in
            var out: [(Int64, [Float])] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, embedding FROM chunks ORDER BY id")
            while let row = try rows.next() {
                out.append((row[0], Self.vector(row[1])))
            }
            return out
        }
    }

    /// The chunks with these row ids, in the order given (missing ids are skipped).
    public func chunks(rowIDs: [Int64]) throws -> [ChunkRecord] {
        guard !rowIDs.isEmpty else { return [] }
        let records = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.chunkColumns) FROM chunks c JOIN documents d ON d.id = c.document_id
                WHERE c.id IN (\(rowIDs.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(rowIDs)).map(Self.chunk(from:))
        }
        let byID = Dictionary(records.map { ($0.rowID, $0) }, uniquingKeysWith: { a, _ in a })
        return rowIDs.compactMap { byID[$0] }
    }

    /// Stored chunks, optionally narrowed to some documents, a page, or one chunk id; in document order.
    public func chunks(documentIDs: [Int64]? = nil, page: Int? = nil, chunkID: String? = nil,
                       limit: Int? = nil) throws -> [ChunkRecord] {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let documentIDs {
            conditions.append("c.document_id IN (\(documentIDs.map { _ in "?" }.joined(separator: ",")))")
            arguments += documentIDs.map { $0 as DatabaseValueConvertible? }
            if documentIDs.isEmpty { return [] }
        }
        if let page {
            conditions.append("c.page_start <= ? AND c.page_end >= ?")
            arguments += [page, page]
        }
        if let chunkID {
            conditions.append("c.chunk_id = ?")
            arguments.append(chunkID)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.chunkColumns) FROM chunks c JOIN documents d ON d.id = c.document_id
                \(whereClause) ORDER BY d.file_name, c.document_id, c.ordinal\(limitClause)
                """, arguments: StatementArguments(arguments)).map(Self.chunk(from:))
        }
    }

    /// The row ids of these documents' chunks (no text read).
    public func chunkRowIDs(documentIDs: [Int64]) throws -> [Int64] {
        if documentIDs.isEmpty { return [] }
        return try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT id FROM chunks WHERE document_id IN (\(documentIDs.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(documentIDs))
        }
    }

    /// Full-text search over chunk text with FTS5's BM25 (higher is better here).
    /// - Parameters:
    ///   - matchExpression: an FTS5 MATCH expression; build it with `FolioStore.matchExpression(terms:)`.
    public func lexicalSearch(matchExpression: String, limit: Int,
                              documentIDs: [Int64]? = nil) throws -> [(rowID: Int64, score: Double)] {
        var filter = ""
        var arguments: [DatabaseValueConvertible?] = [matchExpression]
        if let documentIDs {
            if documentIDs.isEmpty { return [] }
            filter = " AND c.document_id IN (\(documentIDs.map { _ in "?" }.joined(separator: ",")))"
            arguments += documentIDs.map { $0 as DatabaseValueConvertible? }
        }
        arguments.append(limit)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.rowid AS id, -bm25(chunks_fts) AS score FROM chunks_fts f JOIN chunks c ON c.id = f.rowid
                WHERE chunks_fts MATCH ?\(filter) ORDER BY bm25(chunks_fts) LIMIT ?
                """, arguments: StatementArguments(arguments)).map { ($0["id"], $0["score"]) }
        }
    }

    /// How many chunks match an FTS5 MATCH expression (for a term's document frequency).
    public func lexicalMatchCount(matchExpression: String) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                             arguments: [matchExpression]) ?? 0
        }
    }

    /// An FTS5 OR-query of quoted terms (quotes inside terms are doubled, so any user text is safe).
    public static func matchExpression(terms: [String]) -> String {
        terms.filter { !$0.isEmpty }.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            .joined(separator: " OR ")
    }
}
