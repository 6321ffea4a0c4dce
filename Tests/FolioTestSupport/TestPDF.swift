import CCairo
import Foundation

/// Writes real PDFs for tests with cairo's PDF surface (the library poppler-glib itself renders with).
public enum TestPDF {
    public enum Failure: Error, CustomStringConvertible {
        case cairo(String)
        public var description: String {
            switch self { case .cairo(let message): return "cairo: \(message)" }
        }
    }

    /// Writes a PDF whose page `i` shows the lines `pages[i]`, top to bottom, in DejaVu Sans 11 pt on A4.
    /// A line starting with `# ` is drawn (without the marker) as a heading: bold, 1.4 times the size.
    /// - Parameters:
    ///   - title, author: document metadata (omitted when nil).
    public static func write(pages: [[String]], to url: URL, title: String? = nil, author: String? = nil,
                             fontSize: Double = 11) throws {
        let width = 595.0, height = 842.0
        guard let surface = cairo_pdf_surface_create(url.path, width, height) else {
            throw Failure.cairo("cannot create surface")
        }
        defer { cairo_surface_destroy(surface) }
        if let title { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title) }
        if let author { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, author) }
        guard let cr = cairo_create(surface) else { throw Failure.cairo("cannot create context") }
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, fontSize)
        for lines in pages {
            var y = 72.0
            for line in lines {
                let isHeading = line.hasPrefix("# ")
                if isHeading {
                    y += fontSize * 0.5
                    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
                    cairo_set_font_size(cr, fontSize * 1.4)
                }
                cairo_move_to(cr, 56, y)
                cairo_show_text(cr, isHeading ? String(line.dropFirst(2)) : line)
                y += fontSize * (isHeading ? 2 : 1.5)
                if isHeading {
                    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
                    cairo_set_font_size(cr, fontSize)
                }
            }
            cairo_show_page(cr)
        }
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw Failure.cairo(String(cString: cairo_status_to_string(status)))
        }
    }

    /// Writes a one-page, two-column PDF: `left` lines in the left column, `right` lines in the right one,
    /// drawn interleaved (right line, then left line) so the file's drawing order is not the reading order.
    public static func writeTwoColumns(left: [String], right: [String], to url: URL, fontSize: Double = 10) throws {
        guard let surface = cairo_pdf_surface_create(url.path, 595, 842) else { throw Failure.cairo("cannot create surface") }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw Failure.cairo("cannot create context") }
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, fontSize)
        for index in 0..<max(left.count, right.count) {
            let y = 72.0 + Double(index) * fontSize * 1.5
            if index < right.count { cairo_move_to(cr, 310, y); cairo_show_text(cr, right[index]) }
            if index < left.count { cairo_move_to(cr, 50, y); cairo_show_text(cr, left[index]) }
        }
        cairo_show_page(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw Failure.cairo("cannot write") }
    }

    /// Writes pages with drawings and no text at all, like a scan without OCR.
    public static func writeWithoutText(pages: Int, to url: URL) throws {
        guard let surface = cairo_pdf_surface_create(url.path, 595, 842) else { throw Failure.cairo("cannot create surface") }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw Failure.cairo("cannot create context") }
        for page in 0..<pages {
            for row in 0..<30 {
                cairo_rectangle(cr, 56, 72 + Double(row) * 22, 300 + Double((row * 37 + page * 11) % 180), 9)
            }
            cairo_fill(cr)
            cairo_show_page(cr)
        }
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw Failure.cairo("cannot write") }
    }

    /// Distinct prose for page `n`: words picked by the digits of `n`, so no two pages share a line, even with
    /// digits masked (as running-header detection does).
    public static func distinctSentence(_ n: Int) -> String {
        let words = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "island", "jungle"]
        let picked = String(n).compactMap { $0.wholeNumberValue }.map { words[$0] }
        return "The survey of page \(n) describes the \(picked.joined(separator: " ")) landscape in careful detail."
    }

    /// Wraps `text` into lines of at most `width` characters at spaces.
    public static func wrap(_ text: String, width: Int = 80) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// `bytes` of an uncompressed PDF (qpdf `--object-streams=disable`) with every digit of its last classic xref
    /// table's entries overwritten by `x`: the table no longer parses but the trailer does, so Poppler must rebuild
    /// the table by scanning the file. Nil when the file has no classic xref table.
    public static func breakingXrefEntries(_ bytes: [UInt8]) -> [UInt8]? {
        let marker = Array("\nxref\n".utf8)
        guard bytes.count > marker.count,
              let start = (0 ..< (bytes.count - marker.count)).last(where: { Array(bytes[$0 ..< $0 + marker.count]) == marker })
        else { return nil }
        // `\nxref\n0 N\n`, then N entries of 20 bytes.
        var index = start + marker.count
        var header = ""
        while index < bytes.count, bytes[index] != 0x0A { header.append(Character(UnicodeScalar(bytes[index]))); index += 1 }
        let count = Int(header.split(separator: " ").last ?? "0") ?? 0
        var broken = bytes
        for i in (index + 1) ..< min(index + 1 + 20 * count, bytes.count) where (0x30...0x39).contains(broken[i]) {
            broken[i] = 0x78
        }
        return broken
    }
}
