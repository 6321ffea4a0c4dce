import CPoppler
import Foundation

extension PDFDocument {
    /// The page's size in points as displayed and its printed label.
    /// - Parameter number: 1-based page number.
    /// - Throws: `FolioPDFError.pageOutOfRange`.
    public func geometry(ofPage number: Int) throws -> PageGeometry {
        try withPage(number) { page in
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            let label = poppler_page_get_label(page).map { raw -> String in
                defer { g_free(raw) }
                return String(cString: raw)
            }
            return PageGeometry(number: number, width: width, height: height, label: label)
        }
    }

    /// The page's text, in the order ``page(_:styles:)`` gives it, with each character's rectangle from
    /// `poppler_page_get_text_layout`.
    /// - Parameter number: 1-based page number.
    /// - Throws: `FolioPDFError.pageOutOfRange`.
    /// - Complexity: one Poppler text pass over the page, as for ``page(_:styles:)`` without styles.
    public func layout(ofPage number: Int) throws -> PageLayout {
        try withPage(number) { page in
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            guard let raw = poppler_page_get_text(page) else {
                return PageLayout(number: number, width: width, height: height, text: "", characterBoxes: [])
            }
            defer { g_free(raw) }
            let text = String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self)
            let scalars = Array(text.unicodeScalars)
            var rectangles: UnsafeMutablePointer<PopplerRectangle>? = nil
            var rectangleCount: guint = 0
            let laidOut = poppler_page_get_text_layout(page, &rectangles, &rectangleCount) != 0
            defer { g_free(rectangles) }
            guard laidOut, Int(rectangleCount) == scalars.count, let rectangles else {
                return PageLayout(number: number, width: width, height: height, text: text,
                                  characterBoxes: [PageRect?](repeating: nil, count: scalars.count))
            }
            let layout = UnsafeBufferPointer(start: rectangles, count: scalars.count)
            let boxes: [PageRect?] = zip(scalars, layout).map { scalar, r in
                Self.isBlank(scalar) ? nil
                    : PageRect(x0: min(r.x1, r.x2), y0: min(r.y1, r.y2), x1: max(r.x1, r.x2), y1: max(r.y1, r.y2))
            }
            // The same separators and column repair as `page(_:styles:)`, applied to the boxes in step.
            let breaks = Self.flowBreaks(scalars: scalars, rectangles: layout)
            let positions = breaks.map(\.index)
            var brokenScalars = Self.inserting(breaks.map(\.separator), before: positions, into: scalars)
            var brokenBoxes = Self.inserting([PageRect?](repeating: nil, count: breaks.count), before: positions, into: boxes)
            let lineBoxes = Self.lineBoxes(scalars: scalars, rectangles: layout, breaks: breaks)
            if ColumnOrder.hasTwoColumns(lineBoxes, pageWidth: width) {
                let pageText = String(String.UnicodeScalarView(brokenScalars))
                let lines = pageText.split(separator: "\n", omittingEmptySubsequences: false)
                let scalarLines = Self.lines(brokenScalars), boxLines = Self.lines(brokenBoxes, of: brokenScalars)
                if scalarLines.count == lines.count,
                   let order = ColumnOrder.repaired(lineBoxes, texts: lines, pageWidth: width), order.count == lines.count {
                    brokenScalars = Array(order.map { scalarLines[$0] }.joined(separator: ["\n"]))
                    brokenBoxes = Array(order.map { boxLines[$0] }.joined(separator: [nil]))
                }
            }
            return PageLayout(number: number, width: width, height: height,
                              text: String(String.UnicodeScalarView(brokenScalars)), characterBoxes: brokenBoxes)
        }
    }

    /// `scalars` cut at each `\n` (dropped).
    private static func lines(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        scalars.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
    }

    /// `values` (one per scalar) cut where `scalars` has a `\n` (dropped).
    private static func lines<T>(_ values: [T], of scalars: [Unicode.Scalar]) -> [[T]] {
        var result: [[T]] = [[]]
        for (value, scalar) in zip(values, scalars) {
            if scalar == "\n" { result.append([]) } else { result[result.count - 1].append(value) }
        }
        return result
    }

    /// Runs `body` with the `PopplerPage *` of a 1-based page number, released afterwards.
    func withPage<T>(_ number: Int, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard number >= 1, number <= pageCount else {
            throw FolioPDFError.pageOutOfRange(path: path, page: number, pageCount: pageCount)
        }
        guard let page = poppler_document_get_page(document, Int32(number - 1)) else {
            throw FolioPDFError.damaged(path: path, reason: "page \(number) cannot be loaded")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        return try body(page)
    }
}
