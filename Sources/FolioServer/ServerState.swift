import FolioEngine
import FolioLLM
import Foundation

/// What every route shares: the configuration, the query engines, the ingest queue. Immutable; the mutable parts
/// are actors or lock-guarded types of their own.
struct ServerState: Sendable {
    let configuration: ServerConfiguration
    let pool: EnginePool
    let queue: IngestQueue
    /// The store as one engine sees it, for the cheap reads (documents, chunks) that need no model. Only used
    /// inside `catalog.run`, one request at a time.
    let catalog: EnginePool
    let version: String

    var storeDirectory: URL { configuration.storeDirectory }
}

extension ServerState {
    /// A document by id, or 404.
    func document(_ id: Int64) async throws -> DocumentRecord {
        guard let document = try await catalog.run({ try $0.store.document(id: id) }) else {
            throw APIError.notFound("no document \(id) in this store; GET /api/v1/documents lists them")
        }
        return document
    }
}
