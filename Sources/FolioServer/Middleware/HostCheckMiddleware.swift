import HTTPTypes
import Hummingbird

/// Refuses a request whose `Host` is not the bound address, a loopback name or an allowed host (403).
///
/// Stops DNS rebinding: a web page on `evil.example` whose name is re-pointed at 127.0.0.1 can make the browser
/// send requests here, but they carry `Host: evil.example`.
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Lowercased host names (no port) that are accepted.
    let accepted: Set<String>

    init(boundHost: String, allowedHosts: [String]) {
        var names: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]
        let bound = boundHost.lowercased()
        if bound != "0.0.0.0" && bound != "::" { names.insert(bound) }
        for host in allowedHosts { names.insert(host.lowercased()) }
        accepted = names
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, let host = Self.hostName(authority), accepted.contains(host) else {
            let shown = request.head.authority.map { String($0.prefix(100)) } ?? "(none)"
            throw APIError(.forbidden, "forbidden_host",
                           "\(request.head.method) \(request.uri.path): Host \(shown) is not this server's; open Folio at its own address, or start it with --allow-host NAME")
        }
        return try await next(request, context)
    }

    /// `example.com:8080` → `example.com`, `[::1]:80` → `[::1]`; nil for something that is not a host.
    static func hostName(_ authority: String) -> String? {
        let lower = authority.lowercased()
        if lower.hasPrefix("[") {
            guard let close = lower.firstIndex(of: "]") else { return nil }
            return String(lower[...close])
        }
        let host = lower.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return host.isEmpty ? nil : host
    }
}
