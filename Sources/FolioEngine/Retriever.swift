import FolioEncoder
import FolioIndex
import FolioStore
import Foundation

/// One search result: a stored chunk, its score and rank.
public struct RetrievedChunk: Sendable {
    public var rank: Int
    public var score: Float
    public var chunk: ChunkRecord
    /// The chunk's sentence closest to the query, when computed.
    public var bestSentence: String?
}

/// Finds the chunks closest to a query: the query is embedded with the same encoder and searched in a vector
/// index built from the store's embeddings.
public final class Retriever: @unchecked Sendable {
    let store: FolioStore
    let encoder: SentenceEncoder
    private var index: (any VectorIndex)?
    private let lock = NSLock()
    /// How the vector index is chosen, built and kept (flat or HNSW; see `IndexProvider`).
    public var indexPolicy = IndexPolicy()

    public init(store: FolioStore, encoder: SentenceEncoder) {
        self.store = store
        self.encoder = encoder
    }

    /// The vector index over every stored chunk, built or loaded on first use.
    func vectorIndex() throws -> any VectorIndex {
        try lock.withLock {
            if let index { return index }
            let made = try IndexProvider(store: store, dimension: encoder.dimension, policy: indexPolicy).makeIndex()
            index = made
            return made
        }
    }

    /// The `k` chunks most similar to `query`, best first.
    /// - Parameter documentIDs: when given, only chunks of these documents.
    public func search(_ query: String, k: Int, documentIDs: [Int64]? = nil) throws -> [RetrievedChunk] {
        let index = try vectorIndex()
        let vector = encoder.embed(query)
        var allowed: Set<Int64>? = nil
        if let documentIDs {
            allowed = Set(try store.chunks(documentIDs: documentIDs).map(\.rowID))
        }
        let hits = index.search(vector, k: k, filter: allowed.map { set in { set.contains($0) } })
        let records = try store.chunks(rowIDs: hits.map(\.id))
        let byID = Dictionary(records.map { ($0.rowID, $0) }, uniquingKeysWith: { a, _ in a })
        return hits.enumerated().compactMap { offset, hit in
            byID[hit.id].map { RetrievedChunk(rank: offset + 1, score: hit.score, chunk: $0) }
        }
    }
}
