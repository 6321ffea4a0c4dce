import FolioEngine
import Foundation
import Hummingbird

/// `GET /chunks/{id}`: a chunk's text, pages, section and document.
struct ChunksController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("chunks/:id") { _, context in try await chunk(try context.parameters.require("id")) }
    }

    func chunk(_ id: String) async throws -> Response {
        guard id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-" || $0.isNumber) }) else {
            throw APIError.badRequest("\(id.prefix(64)) is not a chunk id; chunk ids look like 3f2a9c01b7de-12")
        }
        let data = try await state.catalog.run { folio -> Data? in
            guard let chunk = try folio.store.chunks(chunkID: id).first else { return nil }
            return try encodeJSON(ChunkJSON.make(chunk))
        }
        guard let data else { throw APIError.notFound("no chunk \(id) in this store") }
        return QueryController.json(data)
    }
}

/// The `Chunk` object of the API.
enum ChunkJSON {
    static func make(_ chunk: ChunkRecord) -> [String: Any] {
        [
            "id": chunk.chunkID, "document": chunk.documentID, "file": chunk.fileName, "title": chunk.title,
            "section": chunk.section ?? NSNull(), "text": chunk.text, "page_start": chunk.pageStart,
            "page_end": chunk.pageEnd, "tokens": chunk.tokenCount,
        ]
    }
}
