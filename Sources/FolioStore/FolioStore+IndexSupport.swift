import Foundation
import GRDB

extension FolioStore {
    /// Every chunk's row id and its content-derived chunk id, in row-id order: enough to tell whether a derived
    /// vector index is current without reading the embeddings (the unique index on `chunk_id` covers the query).
    /// - Returns: the keys and the store's ``generation()`` stamp they were read at (one read transaction).
    public func chunkKeys() throws -> (keys: [(rowID: Int64, chunkID: String)], generation: String?) {
        try read { db in
            var out: [(Int64, String)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, chunk_id FROM chunks ORDER BY id")
            while let row = try rows.next() { out.append((row[0], row[1])) }
            return (out, try Self.generation(db))
        }
    }

    /// The store's generation stamp (the store's random id and a counter that every document insert or delete
    /// advances, so the chunks are the same whenever the stamp is) and the number of chunks, in one read
    /// transaction: what telling whether a saved index is current needs, at a cost that does not grow with the
    /// library. The stamp is nil for a store whose schema predates it.
    public func generation() throws -> (generation: String?, chunks: Int) {
        try read { db in
            let chunks = try Int.fetchOne(db, sql: "SELECT coalesce(sum(chunk_count), 0) FROM documents") ?? 0
            return (try Self.generation(db), chunks)
        }
    }

    static func generation(_ db: Database) throws -> String? {
        guard let id = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'"),
              let counter = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") else {
            return nil
        }
        return "\(id):\(counter)"
    }

    /// The embeddings of the given chunks (missing ids are skipped), in one read transaction.
    public func embeddings(rowIDs: [Int64]) throws -> [(rowID: Int64, vector: [Float])] {
        guard !rowIDs.isEmpty else { return [] }
        return try read { db in
            var out: [(Int64, [Float])] = []
            out.reserveCapacity(rowIDs.count)
            var start = 0
            while start < rowIDs.count {
                let slice = Array(rowIDs[start..<min(start + 500, rowIDs.count)])
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT id, embedding FROM chunks WHERE id IN (\(slice.map { _ in "?" }.joined(separator: ",")))
                    """, arguments: StatementArguments(slice))
                while let row = try rows.next() { out.append((row[0], Self.vector(row[1]))) }
                start += 500
            }
            return out
        }
    }
}
