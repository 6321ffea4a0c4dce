import Foundation

/// Rendered page images under the store's `page-cache/`, a folder per document (by content hash). Derived data:
/// deleting the folder only costs renders.
struct PageCache: Sendable {
    let directory: URL

    func folder(sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(16)), isDirectory: true)
    }

    func removeDocument(sha256: String) {
        try? FileManager.default.removeItem(at: folder(sha256: sha256))
    }
}
