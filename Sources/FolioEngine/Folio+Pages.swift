import FolioPDF
import FolioStore
import Foundation

/// A page of a stored document as a client shows it.
public struct PageInfo: Sendable, Equatable, Codable {
    /// 1-based physical page number.
    public var page: Int
    /// The printed label (`xiv`, `143`) as the PDF defines it, raw; Poppler gives the physical number as a string
    /// when the PDF defines no labels. Compare with `page` to decide whether to show both.
    public var label: String?
    /// Size in PDF points as displayed (crop box, turned by the page's `/Rotate`): the space of `PassageBox`.
    public var width: Double
    public var height: Double

    public init(page: Int, label: String?, width: Double, height: Double) {
        self.page = page
        self.label = label
        self.width = width
        self.height = height
    }
}

/// Pages of stored documents: their size and label, rendered images, and where a chunk's text lies on them.
///
/// Safe to call from concurrent requests: each call opens its own `PDFDocument` (a Poppler document must not be
/// shared across threads), and what is kept between calls (checked files, pages' words and boxes) is in `PageCache`, behind
/// its lock. A document's PDF is read from the path it was ingested from; a file that is gone or whose SHA-256 no
/// longer matches the stored one is an error that says to ingest it again.
extension Folio {
    /// The size and printed label of a page.
    /// - Throws: `FolioEngineError.unknownDocumentID`, `.documentFileMissing`, `.documentFileChanged`;
    ///   `FolioPDFError.pageOutOfRange`.
    public func pageInfo(documentID: Int64, page: Int) throws -> PageInfo {
        let (document, sha256) = try verifiedDocument(documentID)
        if let cached = pageCache.geometry(sha256: sha256, page: page) { return cached }
        let geometry = try PDFDocument(url: URL(fileURLWithPath: document.path)).geometry(ofPage: page)
        let info = PageInfo(page: page, label: geometry.label, width: geometry.width, height: geometry.height)
        pageCache.store(info, sha256: sha256)
        return info
    }

    /// A page rendered to PNG by Poppler, optionally with a chunk's boxes on this page highlighted.
    /// - Parameters:
    ///   - scale: pixels per point (1 is 72 dpi); the image is `round(width × scale)` × `round(height × scale)`.
    ///   - highlightChunkID: a chunk of this document whose boxes on this page are drawn (none when it cannot
    ///     be placed, or lies on other pages).
    /// - Throws: as ``pageInfo(documentID:page:)``, `FolioEngineError.unknownChunk`, `.chunkNotInDocument`,
    ///   `FolioPDFError.invalidScale` / `.renderTooLarge` (over `PDFDocument.maxRenderPixels`).
    /// - Complexity: about 70 ms for a text page at scale 1.5 (Poppler, cairo and PNG encoding; little of it is
    ///   Swift), plus locating the chunk.
    public func renderPage(documentID: Int64, page: Int, scale: Double = 1.5,
                           highlightChunkID: String? = nil) throws -> Data {
        let (document, _) = try verifiedDocument(documentID)
        var highlights: [PageRect] = []
        if let highlightChunkID {
            guard let chunk = try chunk(id: highlightChunkID) else { throw FolioEngineError.unknownChunk(id: highlightChunkID) }
            guard chunk.documentID == documentID else {
                throw FolioEngineError.chunkNotInDocument(chunkID: highlightChunkID, documentID: documentID)
            }
            highlights = try boxes(forChunk: chunk).boxes.filter { $0.page == page }
                .map { PageRect(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1) }
        }
        return try PDFDocument(url: URL(fileURLWithPath: document.path))
            .renderPNG(page: page, scale: scale, highlights: highlights)
    }

    /// The stored chunk with this user-facing id (`0123456789ab-42`), or nil.
    public func chunk(id: String) throws -> ChunkRecord? {
        try store.chunks(chunkID: id, limit: 1).first
    }

    /// Where the chunk's text lies on its pages: one box per text line, or `placed == false` and no boxes.
    /// - Throws: `FolioEngineError.unknownDocumentID`, `.documentFileMissing`, `.documentFileChanged`.
    /// - Complexity: about 6 ms (debug build) once its pages are cached; the first call on a page reads it with
    ///   Poppler, about 15 ms a page.
    public func boxes(forChunk chunk: ChunkRecord) throws -> PassageLocation {
        try locator(for: chunk).locate(chunk.text)
    }

    /// Where some sentences of a chunk (an answer's cited sentences) lie, found within the chunk's own place.
    /// Placed only when every sentence is found; a sentence that is not in the chunk's text makes it unplaced.
    /// - Throws: as ``boxes(forChunk:)``.
    public func boxes(forSentences sentences: [String], in chunk: ChunkRecord) throws -> PassageLocation {
        try locator(for: chunk).locate(sentences: sentences, of: chunk.text)
    }

    private func locator(for chunk: ChunkRecord) throws -> PassageLocator {
        let (document, sha256) = try verifiedDocument(chunk.documentID)
        var pdf: PDFDocument? = nil  // opened only when a page is not cached
        var pages: [PassageLocator] = []
        var scanned: [Int: PageSourceRecord]? = nil  // read once, when a page is not cached
        for page in chunk.pages where page >= 1 && page <= document.pageCount {
            if let cached = pageCache.words(sha256: sha256, page: page) {
                pages.append(cached)
                continue
            }
            if pdf == nil { pdf = try PDFDocument(url: URL(fileURLWithPath: document.path)) }
            guard let pdf else { continue }
            if scanned == nil {
                scanned = Dictionary(uniqueKeysWithValues: try store.pageSources(documentID: document.id, pages: chunk.pages)
                    .map { ($0.number, $0) })
            }
            // A page read with OCR has no text layer to lay out: its stored words and boxes stand in for it.
            var layout: PageLayout? = nil
            if let source = scanned?[page], let boxes = source.wordBoxes,
               let text = try store.pageText(documentID: document.id, page: page) {
                let geometry = try pdf.geometry(ofPage: page)
                layout = WordBoxCoding.layout(number: page, width: geometry.width, height: geometry.height, text: text,
                                              wordBoxes: boxes)
            }
            let words = PassageLocator(pages: [try layout ?? pdf.layout(ofPage: page)])
            pageCache.store(words, sha256: sha256, page: page)
            pages.append(words)
        }
        return PassageLocator(combining: pages)
    }

    /// The stored document and the SHA-256 of its file, checked to be the one ingested.
    private func verifiedDocument(_ id: Int64) throws -> (DocumentRecord, String) {
        guard let document = try store.documents().first(where: { $0.id == id }) else {
            throw FolioEngineError.unknownDocumentID(id: id)
        }
        let sha256 = try pageCache.sha256(ofFile: document.path, fileName: document.fileName)
        guard sha256 == document.sha256 else {
            throw FolioEngineError.documentFileChanged(path: document.path, fileName: document.fileName)
        }
        return (document, sha256)
    }
}

/// What `Folio`'s page calls keep between calls: the SHA-256 of each file checked (recomputed when its size or
/// modification time changes), and the most recently read pages' words with their boxes (a one-page
/// `PassageLocator`) and sizes, keyed by the file's SHA-256 so a changed file never meets another file's pages.
///
/// Shared by concurrent requests: every read and write of its tables holds `lock`; hashing and Poppler work run
/// outside it. `@unchecked Sendable` on that lock.
final class PageCache: @unchecked Sendable {
    /// Pages' words kept: about 60 KB each for a dense page (a Poppler text pass of 10–15 ms saved).
    static let capacity = 256

    private struct Checked { var size: Int; var modified: Date; var sha256: String }
    private struct Key: Hashable { var sha256: String; var page: Int }

    private let lock = NSLock()
    private var checked: [String: Checked] = [:]
    private var pages: [Key: PassageLocator] = [:]
    private var pageOrder: [Key] = []  // oldest first
    private var geometries: [Key: PageInfo] = [:]

    /// The file's SHA-256, from the table when its size and modification time are the ones hashed.
    /// - Throws: `FolioEngineError.documentFileMissing` when there is no file at `path`.
    func sha256(ofFile path: String, fileName: String) throws -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) != .typeDirectory else {
            throw FolioEngineError.documentFileMissing(path: path, fileName: fileName)
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        if let known = lock.withLock({ checked[path] }), known.size == size, known.modified == modified {
            return known.sha256
        }
        let sha256: String
        do {
            sha256 = try SHA256.hex(ofFile: URL(fileURLWithPath: path))
        } catch {
            throw FolioEngineError.documentFileMissing(path: path, fileName: fileName)
        }
        lock.withLock { checked[path] = Checked(size: size, modified: modified, sha256: sha256) }
        return sha256
    }

    func words(sha256: String, page: Int) -> PassageLocator? {
        lock.withLock { pages[Key(sha256: sha256, page: page)] }
    }

    func store(_ words: PassageLocator, sha256: String, page: Int) {
        let key = Key(sha256: sha256, page: page)
        lock.withLock {
            if pages.updateValue(words, forKey: key) == nil { pageOrder.append(key) }
            while pageOrder.count > Self.capacity { pages[pageOrder.removeFirst()] = nil }
        }
    }

    func geometry(sha256: String, page: Int) -> PageInfo? {
        lock.withLock { geometries[Key(sha256: sha256, page: page)] }
    }

    func store(_ info: PageInfo, sha256: String) {
        lock.withLock { geometries[Key(sha256: sha256, page: info.page)] = info }
    }
}
