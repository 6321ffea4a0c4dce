import HTTPTypes
import Hummingbird

/// Refuses a state-changing request (anything but GET, HEAD and OPTIONS) sent by a page of another site (403).
///
/// Stops cross-site request forgery: a page elsewhere can make the browser POST a form or a `text/plain` body
/// here without a preflight, but the browser then sends that page's `Origin` (and `Sec-Fetch-Site: cross-site`).
/// Requests without an `Origin` (curl, scripts) are not from a browser page and pass.
struct OriginCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.head.method
        if method != .get && method != .head && method != .options {
            if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" {
                throw refusal(request, origin: request.headers[.origin] ?? "another site")
            }
            if let origin = request.headers[.origin] {
                guard Self.isSameOrigin(origin, authority: request.head.authority) else {
                    throw refusal(request, origin: origin)
                }
            }
        }
        return try await next(request, context)
    }

    func refusal(_ request: Request, origin: String) -> APIError {
        APIError(.forbidden, "forbidden_origin",
                 "\(request.head.method) \(request.uri.path): refused a request from the page \(origin.prefix(100)); only Folio's own pages may change the store")
    }

    /// `http://127.0.0.1:8080` against `Host: 127.0.0.1:8080`: the origin's host and port must be the request's.
    static func isSameOrigin(_ origin: String, authority: String?) -> Bool {
        guard let authority, origin != "null" else { return false }
        let lower = origin.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = lower.dropFirst(scheme.count)
            let originAuthority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return Self.normalized(String(originAuthority), scheme: scheme) == Self.normalized(authority.lowercased(), scheme: scheme)
        }
        return false
    }

    /// The authority with the scheme's default port made explicit.
    static func normalized(_ authority: String, scheme: String) -> String {
        let hasPort: Bool
        if authority.hasPrefix("[") { hasPort = authority.contains("]:") } else { hasPort = authority.contains(":") }
        return hasPort ? authority : authority + (scheme == "https://" ? ":443" : ":80")
    }
}
