import Foundation
import HTTPTypes
import Hummingbird

/// One line per request on the server's log: method, path, status and milliseconds (`GET /api/v1/health 200 1.2 ms`).
/// The query string is left out: it can carry a question a user would not want in a log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.head.method
        let path = Self.printable(request.uri.path)
        do {
            let response = try await next(request, context)
            log(Self.line(method, path, response.status.code, since: started))
            return response
        } catch {
            let status = (error as? HTTPResponseError)?.status.code ?? 500
            log(Self.line(method, path, status, since: started))
            throw error
        }
    }

    static func line(_ method: HTTPRequest.Method, _ path: String, _ status: Int, since started: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return "\(method) \(path) \(status) \(String(format: "%.1f", ms)) ms"
    }

    /// The path with control characters escaped, so a client cannot forge log lines.
    static func printable(_ path: String) -> String {
        String(path.prefix(300).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
