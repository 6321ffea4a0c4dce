import CPoppler
import Foundation

/// One page's text as Poppler extracts it, in reading order.
public struct PageText: Sendable, Equatable {
    /// 1-based physical page number.
    public var number: Int
    /// The text of the page as extracted, lines separated by `\n`.
    public var text: String

    public init(number: Int, text: String) {
        self.number = number
        self.text = text
    }
}

/// A PDF opened with Poppler (poppler-glib).
///
/// Not thread-safe: one `PDFDocument` belongs to one thread; open the file again for another.
/// Every GObject and string Poppler hands out is released here.
public final class PDFDocument {
    /// The path the document was opened from.
    public let path: String
    private let document: OpaquePointer

    /// Opens a PDF.
    /// - Parameters:
    ///   - url: a file URL.
    ///   - password: the user or owner password of an encrypted PDF.
    /// - Throws: `FolioPDFError` naming the file and the reason.
    public init(url: URL, password: String? = nil) throws {
        let path = url.path
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FolioPDFError.fileNotFound(path: path)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FolioPDFError.unreadable(path: path, reason: "permission denied")
        }
        let head = (try? handle.read(upToCount: 1024)) ?? Data()
        try? handle.close()
        if head.isEmpty { throw FolioPDFError.empty(path: path) }
        // Poppler accepts a header anywhere in the first 1024 bytes, like Acrobat.
        guard head.range(of: Data("%PDF-".utf8)) != nil else { throw FolioPDFError.notAPDF(path: path) }

        var error: UnsafeMutablePointer<GError>?
        let uri: UnsafeMutablePointer<gchar>? = g_filename_to_uri(path, nil, &error)
        guard let uri else {
            let reason = Self.consume(error) ?? "invalid file name"
            throw FolioPDFError.unreadable(path: path, reason: reason)
        }
        defer { g_free(uri) }
        let opened = poppler_document_new_from_file(uri, password, &error)
        guard let opened else {
            let code = error.map { Int($0.pointee.code) } ?? -1
            let reason = Self.consume(error) ?? "unknown error"
            if code == Int(POPPLER_ERROR_ENCRYPTED.rawValue) {
                throw FolioPDFError.encrypted(path: path, passwordGiven: password != nil)
            }
            throw FolioPDFError.damaged(path: path, reason: reason)
        }
        self.document = opened
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(document))
    }

    /// Number of pages.
    public var pageCount: Int { Int(poppler_document_get_n_pages(document)) }

    /// The document title from its metadata, trimmed; nil when absent or blank.
    public var title: String? { Self.take(poppler_document_get_title(document)) }

    /// The document author from its metadata, trimmed; nil when absent or blank.
    public var author: String? { Self.take(poppler_document_get_author(document)) }

    /// The text of one page in Poppler's reading order.
    /// - Parameter number: 1-based page number.
    /// - Throws: `FolioPDFError.pageOutOfRange`.
    public func text(ofPage number: Int) throws -> String {
        guard number >= 1, number <= pageCount else {
            throw FolioPDFError.pageOutOfRange(path: path, page: number, pageCount: pageCount)
        }
        guard let page = poppler_document_get_page(document, Int32(number - 1)) else { return "" }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        guard let raw = poppler_page_get_text(page) else { return "" }
        defer { g_free(raw) }
        return String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self)
    }

    /// Every page's text, in order.
    public func pages() throws -> [PageText] {
        try (1...max(pageCount, 1)).prefix(pageCount).map { PageText(number: $0, text: try text(ofPage: $0)) }
    }

    private static func take(_ raw: UnsafeMutablePointer<gchar>?) -> String? {
        guard let raw else { return nil }
        defer { g_free(raw) }
        let value = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    private static func consume(_ error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        guard let message = error.pointee.message else { return nil }
        return String(cString: message)
    }
}
