import FolioEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /documents/{id}/pages/{n}` (size and printed label) and `GET /documents/{id}/pages/{n}.png` (the page
/// rendered by Poppler, optionally with a chunk's boxes drawn; cached on disk).
struct PagesController: Sendable {
    let state: ServerState
    static let scales = 0.25...4.0

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("documents/:id/pages/:page") { request, context in
            let id = try DocumentsController(state: state).documentID(context)
            let raw = try context.parameters.require("page")
            if raw.hasSuffix(".png") {
                return try await image(id, page: try pageNumber(String(raw.dropLast(4))), request: request)
            }
            return try await info(id, page: try pageNumber(raw))
        }
    }

    func pageNumber(_ raw: String) throws -> Int {
        guard let page = Int(raw), page >= 1 else {
            throw APIError.badRequest("\(raw.prefix(20)) is not a page number; pages are numbered from 1")
        }
        return page
    }

    /// The document, with the page checked to be one of its pages.
    func document(_ id: Int64, page: Int) async throws -> DocumentRecord {
        let document = try await state.document(id)
        guard page <= document.pageCount else {
            throw APIError.notFound("\(document.fileName) has \(document.pageCount) pages, not \(page)")
        }
        return document
    }

    func info(_ id: Int64, page: Int) async throws -> Response {
        _ = try await document(id, page: page)
        let info = try await mappingPageErrors { try await state.catalog.run { try $0.pageInfo(documentID: id, page: page) } }
        return try JSONResponse.make(PageJSON.make(info, document: id))
    }

    func image(_ id: Int64, page: Int, request: Request) async throws -> Response {
        let document = try await document(id, page: page)
        let parameters = request.uri.queryParameters
        var scale = 1.5
        if let raw = parameters.get("scale") {
            guard let value = Double(raw), Self.scales.contains(value) else {
                throw APIError.badRequest("scale must be a number from \(Self.scales.lowerBound) to \(Self.scales.upperBound) (1 is 72 dpi), not \(raw.prefix(20))")
            }
            scale = value
        }
        let chosenScale = scale
        let highlight = parameters.get("highlight")
        if let highlight { try ChunksController.checkID(highlight) }
        let cache = RenderedPages(directory: state.configuration.pageCacheDirectory)
        let file = cache.file(sha256: document.sha256, page: page, scale: scale, highlight: highlight)
        let png: Data
        if let cached = cache.read(file) {
            png = cached
        } else {
            png = try await mappingPageErrors {
                try await state.pool.run { try $0.renderPage(documentID: id, page: page, scale: chosenScale, highlightChunkID: highlight) }
            }
            cache.write(png, to: file)
        }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=3600"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
    }
}

/// The `Page` object of the API.
enum PageJSON {
    static func make(_ info: PageInfo, document: Int64) -> [String: Any] {
        ["document": document, "page": info.page, "label": info.label ?? NSNull(), "width": info.width, "height": info.height]
    }
}

/// The `Box` object of the API.
enum BoxJSON {
    static func make(_ box: PassageBox) -> [String: Any] {
        ["page": box.page, "x0": box.x0, "y0": box.y0, "x1": box.x1, "y1": box.y1]
    }
}

/// Runs `body`, reporting the page calls' errors with their statuses: an unknown chunk is 404, a PDF gone or
/// changed since it was ingested 410, anything else (a page Poppler cannot render) 500 with its message.
func mappingPageErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as FolioEngineError {
        switch error {
        case .unknownChunk, .chunkNotInDocument, .unknownDocumentID:
            throw APIError.notFound(error.description)
        case .documentFileMissing, .documentFileChanged:
            throw APIError(.gone, "file_gone", error.description)
        default:
            throw APIError.from(error)
        }
    } catch let error as APIError {
        throw error
    } catch {
        throw APIError(.internalServerError, "render", "\(error)")
    }
}
