import FolioEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The one error type of the HTTP API: a status, a stable code and a one-line message naming the request and the
/// fix. `ErrorMiddleware` turns it (and any other error) into `{"error": {"code", "message"}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "too_large", message) }

    /// The JSON body `{"error": {"code", "message"}}`.
    var body: Data {
        (try? encodeJSON(["error": ["code": code, "message": message]])) ?? Data()
    }
}

extension APIError {
    /// An engine error as the API reports it: the engine's one-line message with a fitting status.
    static func from(_ error: Error) -> Error {
        guard let engine = error as? FolioEngineError else { return error }
        switch engine {
        case .emptyStore:
            return APIError(.conflict, "empty_store", "the store holds no documents yet; upload a PDF first (POST /api/v1/documents)")
        case .unknownDocument:
            return APIError(.notFound, "unknown_document", engine.description)
        case .modelNotFound:
            return APIError(.serviceUnavailable, "model_missing", engine.description)
        case .contextTooSmall:
            return APIError(.badRequest, "context_too_small", engine.description)
        default:
            return APIError(.internalServerError, "engine", engine.description)
        }
    }
}

/// Runs `body`, reporting engine errors as `APIError`s.
func mappingEngineErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw APIError.from(error) }
}
