import FolioEngine
import Foundation
import HTTPTypes
import Hummingbird

/// `/documents`: list, upload (queued as ingest jobs), one document, delete, the original PDF.
struct DocumentsController: Sendable {
    let state: ServerState

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("documents") { _, _ in
            try JSONResponse.make(try await state.catalog.run { try $0.store.documents() }.map(DocumentJSON.make))
        }
        group.post("documents") { request, _ in try await upload(request) }
        group.get("documents/:id") { _, context in
            try JSONResponse.make(DocumentJSON.make(try await state.document(try documentID(context))))
        }
        group.delete("documents/:id") { _, context in try await delete(try documentID(context)) }
        group.get("documents/:id/file") { _, context in try await file(try documentID(context), context: context) }
    }

    func documentID(_ context: BasicRequestContext) throws -> Int64 {
        let raw = try context.parameters.require("id")
        guard let id = Int64(raw), id > 0 else {
            throw APIError.badRequest("\(raw.prefix(40)) is not a document id; ids are the numbers GET /api/v1/documents lists")
        }
        return id
    }

    /// Receives the PDFs, then: a file already stored answers its document; a new one is queued (202 with its job).
    func upload(_ request: Request) async throws -> Response {
        let configuration = state.configuration
        let receiver = UploadReceiver(incomingDirectory: configuration.uploadsDirectory.appendingPathComponent(".incoming"),
                                      maxBytes: configuration.maxUploadBytes)
        let uploads = try await receiver.receive(request)
        var files: [[String: Any]] = []
        var queued = false
        var remaining = uploads
        defer { for upload in remaining { try? FileManager.default.removeItem(at: upload.temporary) } }
        while !remaining.isEmpty {
            let upload = remaining.removeFirst()
            if let existing = try await state.catalog.run({ try $0.store.document(sha256: upload.sha256) }) {
                try? FileManager.default.removeItem(at: upload.temporary)
                files.append(["file": upload.file, "document": DocumentJSON.make(existing), "job": NSNull()])
                continue
            }
            // Stored under a folder named by the content hash, with the cleaned name as the file's (which is the
            // name citations show): nothing the client sent is a path.
            let folder = configuration.uploadsDirectory.appendingPathComponent(String(upload.sha256.prefix(16)), isDirectory: true)
            let destination = folder.appendingPathComponent(upload.file)
            let manager = FileManager.default
            if manager.fileExists(atPath: folder.path), let same = state.queue.allJobs().first(where: { $0.sha256 == upload.sha256 && !$0.state.isFinished }) {
                try? manager.removeItem(at: upload.temporary)
                files.append(["file": upload.file, "document": NSNull(), "job": same.json])
                queued = true
                continue
            }
            do {
                try? manager.removeItem(at: folder)
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
                try manager.moveItem(at: upload.temporary, to: destination)
            } catch {
                try? manager.removeItem(at: upload.temporary)
                throw APIError(.internalServerError, "storage", "cannot store \(upload.file) in \(configuration.uploadsDirectory.path): \(error.localizedDescription)")
            }
            do {
                let job = try state.queue.enqueue(file: upload.file, path: destination, sha256: upload.sha256)
                files.append(["file": upload.file, "document": NSNull(), "job": job.json])
                queued = true
            } catch {
                try? manager.removeItem(at: folder)
                throw error
            }
        }
        return try JSONResponse.make(["files": files], status: queued ? .accepted : .ok)
    }

    /// Removes the document (chunks and vectors in the same transaction), its uploaded file and its rendered pages.
    func delete(_ id: Int64) async throws -> Response {
        let document = try await state.document(id)
        // Only a file Folio received is deleted; a PDF `folio ingest` read from the user's folders is theirs.
        try await state.catalog.run { try $0.removeDocument(document) }
        RenderedPages(directory: state.configuration.pageCacheDirectory).removeDocument(sha256: document.sha256)
        return Response(status: .noContent)
    }

    func file(_ id: Int64, context: BasicRequestContext) async throws -> Response {
        let document = try await state.document(id)
        guard FileManager.default.isReadableFile(atPath: document.path) else {
            throw APIError(.gone, "file_gone", "the PDF of document \(id) is no longer at \(document.path); ingest it again from where it is now")
        }
        let body = try await FileIO().loadFile(path: document.path, context: context)
        let name = document.fileName.replacingOccurrences(of: "\"", with: "")
        return Response(status: .ok, headers: [
            .contentType: "application/pdf",
            .contentDisposition: "inline; filename=\"\(name.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 } ? name : "document.pdf")\"",
        ], body: body)
    }
}
