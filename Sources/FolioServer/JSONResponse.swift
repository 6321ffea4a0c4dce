import FolioEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Responses the API sends: JSON trees encoded exactly as the CLI's `--json` prints them.
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data: Data
        do { data = try encodeJSON(object) } catch {
            throw APIError(.internalServerError, "encoding", "could not encode the response as JSON: \(error)")
        }
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: APIError) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.body)))
    }

    /// A `Server-Sent Events` frame: `event: NAME` and one `data:` line of JSON.
    static func event(_ name: String, _ object: Any) -> ByteBuffer {
        let data = (try? encodeJSON(object)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static let eventStreamHeaders: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
    ]
}

extension Request {
    /// The body parsed as a JSON object, at most `limit` bytes.
    func jsonObject(limit: Int) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch {
            throw APIError.tooLarge("\(head.method) \(uri.path): the JSON body is over \(limit) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw APIError.badRequest("\(head.method) \(uri.path): the body is not a JSON object; send e.g. {\"question\": \"…\"} with Content-Type: application/json")
        }
        return object
    }
}
