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
                cairo_move_to(cr, 56, y)
                cairo_show_text(cr, line)
                y += fontSize * 1.5
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
}
