import HTTPTypes
import Hummingbird

/// With a token set (`--token-env`), every `/api` request needs `Authorization: Bearer <token>`, else 401.
///
/// Stops anyone who can reach an exposed server from reading or changing the store. The comparison takes the
/// same time wherever the first difference is, so response times do not reveal the token byte by byte. The web
/// app's own files (`/`, `/app.js` …) are public: they hold no data, and the app asks for the token.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/api/") || request.uri.path == "/api" {
            let header = request.headers[.authorization] ?? ""
            let prefix = "bearer "
            let given = header.lowercased().hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.count)) : []
            guard Self.constantTimeEqual(given, token) else {
                throw APIError(.unauthorized, "unauthorized",
                               "\(request.head.method) \(request.uri.path): this server needs its token; send Authorization: Bearer <token>",
                               headers: [.wwwAuthenticate: "Bearer realm=\"folio\""])
            }
        }
        return try await next(request, context)
    }

    /// Equal contents, compared over the whole of the expected token whatever the input.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<b.count {
            let x = i < a.count ? a[i] : 0
            difference |= x ^ b[i]
        }
        return difference == 0
    }
}
