import Foundation

/// A PDF's metadata and page texts, read in one go.
public struct ExtractedDocument: Sendable, Equatable, Codable {
    public var path: String
    /// Title from the PDF metadata; nil when the metadata has none.
    public var metadataTitle: String?
    public var author: String?
    public var pages: [PageText]

    /// The metadata title, else the file name without extension.
    public var title: String {
        metadataTitle ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    public init(path: String, metadataTitle: String?, author: String?, pages: [PageText]) {
        self.path = path
        self.metadataTitle = metadataTitle
        self.author = author
        self.pages = pages
    }

    /// Opens `url` with Poppler and extracts metadata and every page's text with line styles.
    /// - Throws: `FolioPDFError`.
    /// - Parameter progress: called after each page with (pages done, pages in all).
    public static func extract(from url: URL, password: String? = nil, styles: Bool = true,
                               progress: ((Int, Int) -> Void)? = nil) throws -> ExtractedDocument {
        let document = try PDFDocument(url: url, password: password)
        return ExtractedDocument(path: url.path, metadataTitle: document.title, author: document.author,
                                 pages: try document.pages(styles: styles, progress: progress))
    }
}
