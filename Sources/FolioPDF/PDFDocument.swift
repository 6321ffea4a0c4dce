import CPoppler
import Foundation

/// The dominant typography of one line of extracted text, from Poppler's text attributes.
public struct LineStyle: Sendable, Equatable, Codable {
    /// The smallest font size (points) among the line's visible characters; 0 when the line has none.
    public var fontSize: Float
    /// Whether every visible character of the line is set in a bold (or medium/semibold) face.
    public var isBold: Bool

    public init(fontSize: Float, isBold: Bool) {
        self.fontSize = fontSize
        self.isBold = isBold
    }
}

/// One page's text as Poppler extracts it, in reading order (see ``ColumnOrder``).
public struct PageText: Sendable, Equatable, Codable {
    /// 1-based physical page number.
    public var number: Int
    /// The text of the page as extracted, lines separated by `\n`.
    public var text: String
    /// One style per line of `text` (split at `\n`, empty lines included), when styles were read.
    public var lineStyles: [LineStyle]

    public init(number: Int, text: String, lineStyles: [LineStyle] = []) {
        self.number = number
        self.text = text
        self.lineStyles = lineStyles
    }
}

/// A PDF opened with Poppler (poppler-glib).
///
/// Not thread-safe: one `PDFDocument` belongs to one thread; open the file again for another.
/// Every GObject and string Poppler hands out is released here.
public final class PDFDocument {
    /// The path the document was opened from.
    public let path: String
    /// The `PopplerDocument *`; the extensions in `PDFDocument+*.swift` use it on the owner's thread only.
    let document: OpaquePointer

    /// Opens a PDF.
    /// - Parameters:
    ///   - url: a file URL.
    ///   - password: the user or owner password of an encrypted PDF.
    /// - Throws: `FolioPDFError` naming the file and the reason.
    public init(url: URL, password: String? = nil) throws {
        let path = url.path
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FolioPDFError.fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw FolioPDFError.unreadable(path: path, reason: "it is a folder") }
        // open(2) rather than FileManager.isReadableFile: the latter answers from the mode bits, which root ignores.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw FolioPDFError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var head = [UInt8](repeating: 0, count: 1024)
        let count = read(fd, &head, head.count)
        close(fd)
        guard count >= 0 else { throw FolioPDFError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        if count == 0 { throw FolioPDFError.empty(path: path) }
        // Poppler accepts a header anywhere in the first 1024 bytes, like Acrobat.
        guard Data(head.prefix(count)).range(of: Data("%PDF-".utf8)) != nil else {
            throw FolioPDFError.notAPDF(path: path)
        }

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

    /// The text of one page in Poppler's reading order, with columns it interleaves put back in order
    /// (``ColumnOrder``).
    /// - Parameter number: 1-based page number.
    /// - Throws: `FolioPDFError.pageOutOfRange`.
    public func text(ofPage number: Int) throws -> String {
        try page(number, styles: false).text
    }

    /// The text of one page with the typography of each line (for heading detection).
    /// - Parameters:
    ///   - number: 1-based page number.
    ///   - styles: read Poppler's text attributes too (about 10% more time).
    /// - Throws: `FolioPDFError.pageOutOfRange`.
    public func page(_ number: Int, styles: Bool = true) throws -> PageText {
        guard number >= 1, number <= pageCount else {
            throw FolioPDFError.pageOutOfRange(path: path, page: number, pageCount: pageCount)
        }
        guard let page = poppler_document_get_page(document, Int32(number - 1)) else {
            return PageText(number: number, text: "")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        guard let raw = poppler_page_get_text(page) else { return PageText(number: number, text: "") }
        defer { g_free(raw) }
        let text = String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        var rectangles: UnsafeMutablePointer<PopplerRectangle>? = nil
        var rectangleCount: guint = 0
        let laidOut = poppler_page_get_text_layout(page, &rectangles, &rectangleCount) != 0
        defer { g_free(rectangles) }
        let layout = laidOut && Int(rectangleCount) == scalars.count
            ? UnsafeBufferPointer(start: rectangles, count: scalars.count) : nil
        let breaks = layout.map { Self.flowBreaks(scalars: scalars, rectangles: $0) } ?? []
        let positions = breaks.map(\.index)
        let broken = breaks.isEmpty ? scalars : Self.inserting(breaks.map(\.separator), before: positions, into: scalars)
        var pageText = breaks.isEmpty ? text : String(String.UnicodeScalarView(broken))
        var lineStyles: [LineStyle] = []
        if styles {
            let (size, bold) = Self.characterStyles(of: page, count: scalars.count)
            let zeros = [Float](repeating: 0, count: breaks.count), plain = [Bool](repeating: false, count: breaks.count)
            lineStyles = Self.lineStyles(scalars: broken, size: Self.inserting(zeros, before: positions, into: size),
                                         bold: Self.inserting(plain, before: positions, into: bold))
        }
        if let layout {
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            let boxes = Self.lineBoxes(scalars: scalars, rectangles: layout, breaks: breaks)
            // Most pages have no column prose on both sides: they are not split into lines at all.
            if ColumnOrder.hasTwoColumns(boxes, pageWidth: width) {
                var lines = pageText.split(separator: "\n", omittingEmptySubsequences: false)
                if let order = ColumnOrder.repaired(boxes, texts: lines, pageWidth: width), order.count == lines.count {
                    lines = order.map { lines[$0] }
                    if lineStyles.count == order.count { lineStyles = order.map { lineStyles[$0] } }
                    pageText = lines.joined(separator: "\n")
                }
            }
        }
        return PageText(number: number, text: pageText, lineStyles: lineStyles)
    }

    /// The bounding box of the visible characters of each line of the text `scalars` makes once `breaks` are
    /// inserted (nil for a line with none); `rectangles` has one per scalar.
    static func lineBoxes(scalars: [Unicode.Scalar], rectangles: UnsafeBufferPointer<PopplerRectangle>,
                                  breaks: [(index: Int, separator: Unicode.Scalar)]) -> [ColumnOrder.Box?] {
        var boxes: [ColumnOrder.Box?] = []
        var current: ColumnOrder.Box? = nil
        var nextBreak = 0
        for (i, scalar) in scalars.enumerated() {
            if nextBreak < breaks.count, breaks[nextBreak].index == i {
                if breaks[nextBreak].separator == "\n" {
                    boxes.append(current)
                    current = nil
                }
                nextBreak += 1
            }
            if scalar == "\n" {
                boxes.append(current)
                current = nil
                continue
            }
            guard !isBlank(scalar) else { continue }
            let r = rectangles[i]
            let box = ColumnOrder.Box(x1: min(r.x1, r.x2), y1: min(r.y1, r.y2), x2: max(r.x1, r.x2), y2: max(r.y1, r.y2))
            current = current.map { ColumnOrder.Box(x1: min($0.x1, box.x1), y1: min($0.y1, box.y1),
                                                    x2: max($0.x2, box.x2), y2: max($0.y2, box.y2)) } ?? box
        }
        boxes.append(current)
        return boxes
    }

    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || (scalar.value >= 0x80 && scalar.properties.isWhitespace)
    }

    /// A new line starts where two neighbouring characters of one line are further apart than this many times
    /// their height: a column gap, not a word space (justified prose stretches spaces to well under one height).
    static let flowGapRatio = 1.5

    /// Two neighbouring characters of one line further apart than this many heights (but not a column gap) are two
    /// words: a space goes between them.
    static let wordGapRatio = 0.5

    /// Two neighbouring characters whose baselines are further apart than this many heights are on different
    /// lines (a superscript or subscript rises well under one height).
    static let flowLineRatio = 1.5

    /// Where `scalars` (the text of `poppler_page_get_text`) needs a separator Poppler left out: a line break before
    /// an index that starts a new flow, a space before one that starts a new word.
    ///
    /// Poppler joins words of two flows that share a baseline into one line with nothing between them: a
    /// section heading in the left column and a footnote's last words in the right one become
    /// `4. Generalization vs Memorizationgave away the answer.`, which hides the heading and glues two words;
    /// table cells glue the same way (`train2.67%0.66%`). Within one flow it sometimes leaves out the space after a
    /// section number set apart by a wide gap (`C.1Effect of Number of Training Steps`, which `pdftotext` reads as
    /// two words). `poppler_page_get_text_layout` gives one rectangle per character of that text, so the gap is
    /// measured where it happens.
    static func flowBreaks(scalars: [Unicode.Scalar],
                                   rectangles: UnsafeBufferPointer<PopplerRectangle>) -> [(index: Int, separator: Unicode.Scalar)] {
        var breaks: [(index: Int, separator: Unicode.Scalar)] = []  // ascending
        for i in 1 ..< max(scalars.count, 1) {
            let before = scalars[i - 1], here = scalars[i]
            if isBlank(before) || isBlank(here) { continue }
            let a = rectangles[i - 1], b = rectangles[i]
            let height = max(a.y2 - a.y1, b.y2 - b.y1, 1)
            let rise = abs(a.y1 - b.y1)
            if rise < height / 2 {
                let gap = b.x1 - a.x2
                if gap > flowGapRatio * height {
                    breaks.append((i, "\n"))
                } else if gap > wordGapRatio * height {
                    breaks.append((i, " "))
                }
            } else if rise > flowLineRatio * height {
                breaks.append((i, "\n"))
            }
        }
        return breaks
    }

    /// `values` with `fillers[n]` inserted before index `breaks[n]` (ascending): the separators go into the
    /// text and, in step, into each per-character array.
    static func inserting<T>(_ fillers: [T], before breaks: [Int], into values: [T]) -> [T] {
        precondition(fillers.count == breaks.count, "one filler per break")
        var result: [T] = []
        result.reserveCapacity(values.count + breaks.count)
        var nextBreak = 0
        for (i, value) in values.enumerated() {
            if nextBreak < breaks.count, breaks[nextBreak] == i {
                result.append(fillers[nextBreak])
                nextBreak += 1
            }
            result.append(value)
        }
        return result
    }

    /// Every page's text, in order.
    /// - Parameter progress: called after each page with (pages done, pages in all).
    public func pages(styles: Bool = true, progress: ((Int, Int) -> Void)? = nil) throws -> [PageText] {
        let count = pageCount
        return try (0..<count).map { index in
            let page = try page(index + 1, styles: styles)
            progress?(index + 1, count)
            return page
        }
    }

    /// Each character's font size and boldness from `poppler_page_get_text_attributes`, whose
    /// `start_index`/`end_index` are inclusive character (code point) offsets into the text `poppler_page_get_text`
    /// returned.
    private static func characterStyles(of page: OpaquePointer, count: Int) -> (size: [Float], bold: [Bool]) {
        var size = [Float](repeating: 0, count: count)
        var bold = [Bool](repeating: false, count: count)
        if let list = poppler_page_get_text_attributes(page) {
            defer { poppler_page_free_text_attributes(list) }
            var node: UnsafeMutablePointer<GList>? = list
            // Consecutive runs mostly share a font: decide boldness once per font name.
            var boldByFont: [String: Bool] = [:]
            while let current = node {
                if let data = current.pointee.data {
                    let attributes = data.assumingMemoryBound(to: PopplerTextAttributes.self).pointee
                    let name = attributes.font_name.map { String(cString: $0) } ?? ""
                    let isBold: Bool
                    if let known = boldByFont[name] {
                        isBold = known
                    } else {
                        isBold = isBoldFace(name)
                        boldByFont[name] = isBold
                    }
                    let lo = max(Int(attributes.start_index), 0)
                    let hi = min(Int(attributes.end_index), count - 1)
                    if lo <= hi {
                        for i in lo...hi {
                            size[i] = Float(attributes.font_size)
                            bold[i] = isBold
                        }
                    }
                }
                node = current.pointee.next
            }
        }
        return (size, bold)
    }

    /// One style per `\n`-separated line of `scalars`, from each character's size and boldness.
    private static func lineStyles(scalars: [Unicode.Scalar], size: [Float], bold: [Bool]) -> [LineStyle] {
        var styles: [LineStyle] = []
        var minSize = Float.infinity
        var allBold = true
        var visible = false
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                styles.append(LineStyle(fontSize: visible ? minSize : 0, isBold: visible && allBold))
                minSize = .infinity; allBold = true; visible = false
                continue
            }
            if size[i] == 0 || scalar.value == 0x20 || (scalar.value >= 0x80 && scalar.properties.isWhitespace) { continue }
            visible = true
            minSize = min(minSize, size[i])
            allBold = allBold && bold[i]
        }
        styles.append(LineStyle(fontSize: visible ? minSize : 0, isBold: visible && allBold))
        return styles
    }

    /// Font names say their weight: `NimbusRomNo9L-Medi`, `Times-Bold`, `CMBX10` (Computer Modern bold extended).
    static func isBoldFace(_ name: String) -> Bool {
        let lower = name.lowercased()
        for marker in ["bold", "medi", "semibold", "demi", "black", "heavy", "cmbx"] where lower.contains(marker) {
            return true
        }
        return false
    }

    static func take(_ raw: UnsafeMutablePointer<gchar>?) -> String? {
        guard let raw else { return nil }
        defer { g_free(raw) }
        let value = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    static func consume(_ error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        guard let message = error.pointee.message else { return nil }
        return String(cString: message)
    }
}
