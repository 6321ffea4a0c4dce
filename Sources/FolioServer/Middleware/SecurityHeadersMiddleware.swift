import HTTPTypes
import Hummingbird

/// The Content-Security-Policy of every response: only the server's own scripts, styles, images and connections
/// (no inline script, so injected markup cannot run), no plugins, no framing.
let folioContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/// Headers on every response (errors included) that keep a browser from misreading or framing what Folio serves:
/// no MIME sniffing, no referrer, no framing, and `folioContentSecurityPolicy`.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] = folioContentSecurityPolicy
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
