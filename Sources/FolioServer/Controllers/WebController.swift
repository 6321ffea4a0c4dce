import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web app (`Web/`, embedded in the binary at build time): `/` is `index.html`, every other file is served at
/// `/<name>`. Nothing is read from disk at run time, so no request path can reach the file system.
struct WebController: Sendable {
    /// File name → (content type, bytes). A test checks that every file in `Web/` is listed here.
    static let files: [String: (type: String, bytes: [UInt8])] = [
        "index.html": ("text/html; charset=utf-8", PackageResources.index_html),
        "app.css": ("text/css; charset=utf-8", PackageResources.app_css),
        "api.js": ("text/javascript; charset=utf-8", PackageResources.api_js),
        "chat.js": ("text/javascript; charset=utf-8", PackageResources.chat_js),
        "dom.js": ("text/javascript; charset=utf-8", PackageResources.dom_js),
        "inspector.js": ("text/javascript; charset=utf-8", PackageResources.inspector_js),
        "library.js": ("text/javascript; charset=utf-8", PackageResources.library_js),
        "main.js": ("text/javascript; charset=utf-8", PackageResources.main_js),
        "viewer.js": ("text/javascript; charset=utf-8", PackageResources.viewer_js),
    ]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in try Self.serve("index.html") }
        router.get("/:file") { _, context in try Self.serve(try context.parameters.require("file")) }
    }

    static func serve(_ name: String) throws -> Response {
        guard let file = files[name] else {
            throw APIError.notFound("no page \(name.prefix(60)) here; the app is at /")
        }
        return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
