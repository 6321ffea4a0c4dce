import Foundation

/// Rendered page images on disk under the store's `page-cache/`, a folder per document (by content hash), a file
/// per page, scale and highlighted chunk. Derived data: deleting the folder only costs renders. Files are written
/// under a temporary name and renamed, so a reader never sees half an image.
struct RenderedPages: Sendable {
    let directory: URL

    func folder(sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(16)), isDirectory: true)
    }

    /// The file for one rendering. Every part of the name is made by Folio: numbers, and a chunk id checked to be
    /// hex digits, a dash and digits.
    func file(sha256: String, page: Int, scale: Double, highlight: String?) -> URL {
        let scaled = Int((scale * 100).rounded())
        let name = "\(page)-\(scaled)" + (highlight.map { "-\($0)" } ?? "") + ".png"
        return folder(sha256: sha256).appendingPathComponent(name)
    }

    func read(_ url: URL) -> Data? { try? Data(contentsOf: url) }

    func write(_ data: Data, to url: URL) {
        let manager = FileManager.default
        try? manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).tmp")
        guard (try? data.write(to: temporary)) != nil else { return }
        if (try? manager.moveItem(at: temporary, to: url)) == nil { try? manager.removeItem(at: temporary) }
    }

    func removeDocument(sha256: String) {
        try? FileManager.default.removeItem(at: folder(sha256: sha256))
    }
}
