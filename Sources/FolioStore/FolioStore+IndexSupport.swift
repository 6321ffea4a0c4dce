import Foundation
import GRDB

extension FolioStore {
    /// Every chunk's row id and its content-derived chunk id, in row-id order: enough to tell whether a derived
    /// vector index is current without reading the embeddings (the unique index on `chunk_id` covers the query).
    public func chunkKeys() throws -> [(rowID: Int64, chunkID: String)] {
        try read { db in
            var out: [(Int64, String)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, chunk_id FROM chunks ORDER BY id")
            while let row = try rows.next() { out.append((row[0], row[1])) }
            return out
        }
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
