import FolioEngine
import Foundation
import Hummingbird

/// `GET /chunks/{id}`: a chunk's text, pages, section and document.
struct ChunksController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("chunks/:id") { _, context in try await chunk(try context.parameters.require("id")) }
    }

    /// Chunk ids are 12 hex digits, a dash and a number; anything else is refused before it reaches a query or
    /// a cache file name.
    static func checkID(_ id: String) throws {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard id.count <= 40, parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isHexDigit),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw APIError.badRequest("\(id.prefix(64)) is not a chunk id; chunk ids look like 3f2a9c01b7de-12")
        }
    }

    func chunk(_ id: String) async throws -> Response {
        try Self.checkID(id)
        let data = try await state.pool.run { folio -> Data? in
            guard let chunk = try folio.chunk(id: id) else { return nil }
            var object = ChunkJSON.make(chunk)
            // Where it lies: boxes per line, and its pages' sizes and labels to draw them on.
            let location = (try? folio.boxes(forChunk: chunk)) ?? .unplaced
            object["boxes"] = location.boxes.map(BoxJSON.make)
            object["placed"] = location.placed
            object["pages"] = chunk.pages.compactMap { page in
                (try? folio.pageInfo(documentID: chunk.documentID, page: page)).map { PageJSON.make($0, document: chunk.documentID) }
            }
            return try encodeJSON(object)
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
