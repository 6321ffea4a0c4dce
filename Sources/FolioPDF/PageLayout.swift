import Foundation

/// A rectangle on a page, in PDF points with the origin at the page's top-left corner (y grows downwards), in
/// the page as displayed: its crop box, turned by its `/Rotate`.
public struct PageRect: Sendable, Equatable, Hashable, Codable {
    public var x0: Double, y0: Double, x1: Double, y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    public var width: Double { x1 - x0 }
    public var height: Double { y1 - y0 }

    /// The smallest rectangle holding both.
    public func union(_ other: PageRect) -> PageRect {
        PageRect(x0: min(x0, other.x0), y0: min(y0, other.y0), x1: max(x1, other.x1), y1: max(y1, other.y1))
    }
}

/// A page's size and printed label.
public struct PageGeometry: Sendable, Equatable, Codable {
    /// 1-based physical page number.
    public var number: Int
    /// Size in points as displayed: the crop box, width and height swapped for a page turned by 90° or 270°.
    public var width: Double
    public var height: Double
    /// The page's label as the PDF defines it (`/PageLabels`: `xiv`, `143`, `A-3`), raw; Poppler gives the
    /// physical number as a string when the PDF defines none. Nil only when Poppler gives nothing.
    public var label: String?

    public init(number: Int, width: Double, height: Double, label: String?) {
        self.number = number
        self.width = width
        self.height = height
        self.label = label
    }
}

/// One page's text with the rectangle of each character: what locating a passage on the rendered page needs.
///
/// `text` is exactly the text ``PDFDocument/page(_:styles:)`` gives for the page (the text ingestion chunked):
/// Poppler's text with the separators it left out put in and interleaved columns put back in order
/// (``ColumnOrder``). `characterBoxes` has one entry per Unicode scalar of `text`; nil for white space, for the
/// separators Folio put in, and for every character when Poppler gave no layout.
public struct PageLayout: Sendable, Equatable {
    public var number: Int
    public var width: Double
    public var height: Double
    public var text: String
    /// One per Unicode scalar of `text`, top-left-origin points.
    public var characterBoxes: [PageRect?]

    public init(number: Int, width: Double, height: Double, text: String, characterBoxes: [PageRect?]) {
        precondition(characterBoxes.count == text.unicodeScalars.count, "one box per scalar")
        self.number = number
        self.width = width
        self.height = height
        self.text = text
        self.characterBoxes = characterBoxes
    }
}
