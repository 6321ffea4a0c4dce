import Foundation
import Hummingbird
import ServiceLifecycle

/// `GET /jobs`, `GET /jobs/{id}` and `GET /jobs/{id}/events` (Server-Sent Events until the job ends).
struct JobsController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("jobs") { _, _ in try JSONResponse.make(state.queue.allJobs().map(\.json)) }
        group.get("jobs/:id") { _, context in
            try JSONResponse.make(try job(context).json)
        }
        group.get("jobs/:id/events") { _, context in try events(context) }
    }

    func job(_ context: BasicRequestContext) throws -> IngestJob {
        let id = try context.parameters.require("id")
        guard let job = state.queue.job(id) else {
            throw APIError.notFound("no job \(id.prefix(64)); GET /api/v1/jobs lists the current ones")
        }
        return job
    }

    func events(_ context: BasicRequestContext) throws -> Response {
        let job = try job(context)
        guard let stream = state.queue.watch(job.id) else { throw APIError.notFound("no job \(job.id)") }
        let body = ResponseBody { writer in
            // Ends with the job, or when the server shuts down (so a drain is not held by a queued job).
            for await update in stream.cancelOnGracefulShutdown() {
                try await writer.write(JSONResponse.event("job", update.json))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: JSONResponse.eventStreamHeaders, body: body)
    }
}
