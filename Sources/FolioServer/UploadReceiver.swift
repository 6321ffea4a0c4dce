import FolioEngine
import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore

/// A PDF received from a client, written in full to a file Folio named, with its content hash.
struct ReceivedUpload: Sendable {
    /// The client's file name, cleaned for display.
    var file: String
    /// A temporary file under the store's `uploads/.incoming/`.
    var temporary: URL
    var sha256: String
    var bytes: Int
}

/// Streams an upload's body to disk, never holding it whole in memory: a raw `application/pdf` body, or the
/// `file` parts of a `multipart/form-data` body (parsed by MultipartKit). Counts bytes itself (Hummingbird's
/// upload limit does not apply to streamed bodies) and checks that each file starts as a PDF does.
/// On any error every file of the request is removed, so nothing partial stays behind.
struct UploadReceiver {
    let incomingDirectory: URL
    let maxBytes: Int

    /// The files of `request`, or an `APIError` (400, 413, 415) naming the request and the fix.
    func receive(_ request: Request) async throws -> [ReceivedUpload] {
        try FileManager.default.createDirectory(at: incomingDirectory, withIntermediateDirectories: true)
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw tooLarge()
        }
        var writer = FilesWriter(directory: incomingDirectory, maxBytes: maxBytes)
        do {
            switch mediaType {
            case "multipart/form-data":
                guard let boundary = Self.boundary(contentType) else {
                    throw APIError.badRequest("POST /api/v1/documents: the multipart body has no boundary in its Content-Type; let the client set it (curl -F file=@paper.pdf)")
                }
                try await receiveMultipart(request, boundary: boundary, writer: &writer)
            case "application/pdf", "application/octet-stream":
                let name = request.uri.queryParameters.get("filename") ?? "upload.pdf"
                try writer.begin(name: name)
                for try await buffer in request.body {
                    try writer.write(buffer)
                }
                try writer.end()
            default:
                throw APIError(.unsupportedMediaType, "unsupported_media_type",
                               "POST /api/v1/documents: send the PDF as multipart/form-data (field \"file\") or as an application/pdf body with ?filename=, not \(mediaType.isEmpty ? "a body without Content-Type" : mediaType)")
            }
            if writer.done.isEmpty {
                throw APIError.badRequest("POST /api/v1/documents: the request holds no file; send it in a form field named \"file\"")
            }
            return writer.done
        } catch {
            writer.discard()
            if let error = error as? UploadError { throw error.apiError(maxBytes: maxBytes) }
            throw error
        }
    }

    private func receiveMultipart(_ request: Request, boundary: String, writer: inout FilesWriter) async throws {
        let parser = MultipartParser(boundary: boundary)
        // The parser hands the body over in small pieces; they are joined per incoming chunk and written once.
        var pending = ByteBuffer()
        var headers: [(String, String)] = []
        var events: [PartEvent] = []
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { piece in
            if !headers.isEmpty {
                events.append(.begin(headers))
                headers = []
            }
            pending.writeBuffer(&piece)
        }
        parser.onPartComplete = {
            if !headers.isEmpty {  // a part with headers and an empty body
                events.append(.begin(headers))
                headers = []
            }
            if pending.readableBytes > 0 { events.append(.body(pending)); pending.clear() }
            events.append(.end)
        }
        for try await buffer in request.body {
            do { try parser.execute(buffer) } catch {
                throw APIError.badRequest("POST /api/v1/documents: the multipart body is malformed (it does not follow its boundary); send it with curl -F file=@paper.pdf or a browser form")
            }
            if pending.readableBytes > 0 { events.append(.body(pending)); pending = ByteBuffer() }
            for event in events { try writer.handle(event) }
            events.removeAll(keepingCapacity: true)
        }
        if writer.isOpen || !headers.isEmpty {
            throw APIError.badRequest("POST /api/v1/documents: the upload ended before its file did (truncated body); send it again")
        }
    }

    func tooLarge() -> APIError {
        APIError.tooLarge("POST /api/v1/documents: the upload is over the server's limit of \(maxBytes / (1024 * 1024)) MB; start the server with a larger --max-upload-mb")
    }

    /// The `boundary` parameter of a multipart Content-Type.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }
}

enum PartEvent {
    case begin([(String, String)])
    case body(ByteBuffer)
    case end
}

enum UploadError: Error {
    case tooLarge
    case notPDF(file: String)

    func apiError(maxBytes: Int) -> APIError {
        switch self {
        case .tooLarge:
            return APIError.tooLarge("POST /api/v1/documents: the upload is over the server's limit of \(maxBytes / (1024 * 1024)) MB; start the server with a larger --max-upload-mb")
        case .notPDF(let file):
            return APIError(.unsupportedMediaType, "not_pdf", "\(file) is not a PDF (it does not start with %PDF-); upload the PDF itself")
        }
    }
}

/// Writes the files of one request, hashing as it goes.
struct FilesWriter {
    let directory: URL
    let maxBytes: Int
    private(set) var done: [ReceivedUpload] = []
    private var current: (name: String, url: URL, handle: FileHandle, hasher: SHA256, bytes: Int, head: [UInt8])?
    private var skipping = false
    private var total = 0

    init(directory: URL, maxBytes: Int) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    var isOpen: Bool { current != nil }

    mutating func handle(_ event: PartEvent) throws {
        switch event {
        case .begin(let headers):
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let parameters = Self.parameters(disposition)
            // Only the `file` field's parts are files; other fields are skipped.
            if parameters["name"] == "file" {
                try begin(name: parameters["filename"] ?? "upload.pdf")
            } else {
                skipping = true
            }
        case .body(let buffer):
            if skipping {
                total += buffer.readableBytes
                if total > maxBytes { throw UploadError.tooLarge }
            } else {
                try write(buffer)
            }
        case .end:
            if skipping { skipping = false } else { try end() }
        }
    }

    mutating func begin(name: String) throws {
        let url = directory.appendingPathComponent(UUID().uuidString.lowercased() + ".part")
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw APIError(.internalServerError, "storage", "cannot write the upload into \(directory.path); check the store folder's permissions and free space")
        }
        current = (UploadName.clean(name), url, handle, SHA256(), 0, [])
    }

    mutating func write(_ buffer: ByteBuffer) throws {
        guard var file = current else { return }
        total += buffer.readableBytes
        if total > maxBytes { throw UploadError.tooLarge }
        let data = Data(buffer.readableBytesView)
        if file.head.count < 5 {
            file.head += data.prefix(5 - file.head.count)
            if file.head.count == 5 || data.isEmpty {
                if file.head != Array("%PDF-".utf8) { current = file; throw UploadError.notPDF(file: file.name) }
            }
        }
        file.hasher.update(data)
        file.bytes += data.count
        do { try file.handle.write(contentsOf: data) } catch {
            current = file
            throw APIError(HTTPResponse.Status(code: 507),  "storage", "cannot store the upload \(file.name): \(error.localizedDescription); free some disk space")
        }
        current = file
    }

    mutating func end() throws {
        guard var file = current else { return }
        try? file.handle.close()
        current = nil
        if file.head != Array("%PDF-".utf8) {
            try? FileManager.default.removeItem(at: file.url)
            throw file.bytes == 0 ? APIError.badRequest("\(file.name) is empty; upload the PDF itself")
                                  : UploadError.notPDF(file: file.name)
        }
        done.append(ReceivedUpload(file: file.name, temporary: file.url, sha256: file.hasher.finalize(), bytes: file.bytes))
    }

    /// Removes every file of this request.
    mutating func discard() {
        if let file = current {
            try? file.handle.close()
            try? FileManager.default.removeItem(at: file.url)
            current = nil
        }
        for upload in done { try? FileManager.default.removeItem(at: upload.temporary) }
        done = []
    }

    /// `form-data; name="file"; filename="a.pdf"` → `["name": "file", "filename": "a.pdf"]`.
    static func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...]
            let trimmed = rest.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { break }
            let key = trimmed[..<equals].lowercased()
            var value = trimmed[trimmed.index(after: equals)...]
            var parsed = ""
            if value.first == "\"" {
                value = value.dropFirst()
                var escaped = false
                var end = value.endIndex
                for index in value.indices {
                    let c = value[index]
                    if escaped { parsed.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { end = index; break }
                    parsed.append(c)
                }
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            } else {
                let end = value.firstIndex(of: ";") ?? value.endIndex
                parsed = value[..<end].trimmingCharacters(in: .whitespaces)
                rest = value[end...]
            }
            result[key] = parsed
        }
        return result
    }
}

/// The client's file name made safe to show and to use as the last part of a path Folio chose: no folders,
/// no separators, no control characters, no leading dots, at most 120 characters, ending in `.pdf`.
enum UploadName {
    static func clean(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(last.unicodeScalars.filter {
            !($0.properties.generalCategory == .control || $0.properties.generalCategory == .format
              || $0 == ":" || $0 == "\u{7F}")
        }))
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        if cleaned.count > 120 {
            let stem = (cleaned as NSString).deletingPathExtension
            cleaned = String(stem.prefix(112)) + ".pdf"
        }
        if cleaned.isEmpty { cleaned = "upload.pdf" }
        if !cleaned.lowercased().hasSuffix(".pdf") { cleaned += ".pdf" }
        return cleaned
    }
}
