import FolioEngine
import Foundation
import Hummingbird

/// `GET /health`: the server is up, with what the store holds.
struct HealthController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("health") { _, _ in try await health() }
    }

    func health() async throws -> Response {
        let counts = try await state.catalog.run { folio in
            (try folio.store.documents().count, try folio.store.chunkCount())
        }
        let model: Any = (try? state.configuration.modelDirectory().lastPathComponent) ?? NSNull()
        return try JSONResponse.make([
            "status": "ok", "version": state.version, "documents": counts.0, "chunks": counts.1,
            "model": model, "jobs_pending": state.queue.pendingCount,
            "llm": state.configuration.llm.map { $0.completionsURL.absoluteString } ?? NSNull(),
        ])
    }
}
