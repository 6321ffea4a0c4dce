import Foundation

/// A PDF's metadata and page texts, read in one go.
public struct ExtractedDocument: Sendable, Equatable {
    public var path: String
    /// Title from the PDF metadata, else the file name without extension.
    public var title: String
    public var author: String?
    public var pages: [PageText]

    public init(path: String, title: String, author: String?, pages: [PageText]) {
        self.path = path
        self.title = title
        self.author = author
        self.pages = pages
    }

    /// Opens `url` with Poppler and extracts metadata and every page's text.
    /// - Throws: `FolioPDFError`.
    public static func extract(from url: URL, password: String? = nil) throws -> ExtractedDocument {
        let document = try PDFDocument(url: url, password: password)
        let fallback = url.deletingPathExtension().lastPathComponent
        return ExtractedDocument(path: url.path, title: document.title ?? fallback,
                                 author: document.author, pages: try document.pages())
    }
}
