import Foundation
import HTTPTypes
import Hummingbird

/// Turns every error a route throws into the API's one error shape, `{"error": {"code", "message"}}`, with its
/// status: `APIError`s as they are, Hummingbird's own (`404` for an unknown route, `400` for a bad parameter) by
/// their status, anything else as a 500 that names the request.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.error(error)
        } catch let error as HTTPResponseError {
            let status = error.status
            let code: String
            let message: String
            switch status {
            case .notFound:
                code = "not_found"
                message = "\(request.head.method) \(request.uri.path): no such route; the API is under /api/v1 (see /api/v1/openapi.json)"
            case .methodNotAllowed:
                code = "method_not_allowed"
                message = "\(request.head.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge:
                code = "too_large"
                message = "\(request.head.method) \(request.uri.path): the body is too large"
            default:
                code = status.code < 500 ? "bad_request" : "internal"
                message = "\(request.head.method) \(request.uri.path): \(String(describing: error))"
            }
            return JSONResponse.error(APIError(status, code, message))
        } catch {
            return JSONResponse.error(APIError(.internalServerError, "internal",
                                               "\(request.head.method) \(request.uri.path) failed: \(error)"))
        }
    }
}
