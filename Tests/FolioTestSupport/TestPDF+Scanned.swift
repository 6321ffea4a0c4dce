import CCairo
import Foundation

extension TestPDF {
    /// A page of a generated "scan".
    public enum ScanPage: Sendable {
        /// Real text (a text layer), as `write(pages:)` draws it.
        case text([String])
        /// The lines drawn into a picture of the page (no text layer), the paper turned `rotation` degrees
        /// clockwise on the scanner (90 and 270 make a landscape page).
        case image([String], rotation: Int = 0)
        /// A full-page picture of other lines with these lines as real text over it (a scan with its OCR layer).
        case textOverImage(text: [String], image: [String])
        /// A page with nothing on it.
        case blank
    }

    /// Writes a PDF of A4 pages (595 × 842 points) whose pictures are `dpi`-resolution gray images of text in
    /// DejaVu Sans `fontSize` pt, laid out as `write(pages:)` lays out text.
    public static func writeScan(_ pages: [ScanPage], to url: URL, dpi: Double = 200, fontSize: Double = 11) throws {
        guard let surface = cairo_pdf_surface_create(url.path, 595, 842) else { throw Failure.cairo("cannot create surface") }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw Failure.cairo("cannot create context") }
        defer { cairo_destroy(cr) }
        for page in pages {
            switch page {
            case .text(let lines):
                cairo_pdf_surface_set_size(surface, 595, 842)
                drawLines(lines, on: cr, fontSize: fontSize)
            case .image(let lines, let rotation):
                let turned = rotation == 90 || rotation == 270
                cairo_pdf_surface_set_size(surface, turned ? 842 : 595, turned ? 595 : 842)
                try paintPicture(of: lines, on: cr, rotation: rotation, dpi: dpi, fontSize: fontSize)
            case .textOverImage(let text, let image):
                cairo_pdf_surface_set_size(surface, 595, 842)
                try paintPicture(of: image, on: cr, rotation: 0, dpi: dpi, fontSize: fontSize)
                cairo_set_source_rgb(cr, 0, 0, 0)
                drawLines(text, on: cr, fontSize: fontSize, top: 500)
            case .blank:
                cairo_pdf_surface_set_size(surface, 595, 842)
            }
            cairo_show_page(cr)
        }
        cairo_surface_finish(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw Failure.cairo("cannot write") }
    }

    private static func drawLines(_ lines: [String], on cr: OpaquePointer, fontSize: Double, top: Double = 72) {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, fontSize)
        var y = top
        for line in lines {
            cairo_move_to(cr, 56, y)
            cairo_show_text(cr, line)
            y += fontSize * 1.5
        }
    }

    /// Draws the lines on an A4 gray picture, turns it, and paints it over the whole page.
    private static func paintPicture(of lines: [String], on cr: OpaquePointer, rotation: Int, dpi: Double,
                                     fontSize: Double) throws {
        let scale = dpi / 72
        let turned = rotation == 90 || rotation == 270
        let pageWidth = turned ? 842.0 : 595.0, pageHeight = turned ? 595.0 : 842.0
        let width = Int32((pageWidth * scale).rounded()), height = Int32((pageHeight * scale).rounded())
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height) else {
            throw Failure.cairo("cannot create image")
        }
        defer { cairo_surface_destroy(image) }
        guard let ic = cairo_create(image) else { throw Failure.cairo("cannot create image context") }
        cairo_set_source_rgb(ic, 1, 1, 1)
        cairo_paint(ic)
        cairo_scale(ic, scale, scale)
        // The upright page's content, turned with the paper: clockwise by `rotation` about the page.
        switch rotation {
        case 90: cairo_translate(ic, 842, 0)
        case 180: cairo_translate(ic, 595, 842)
        case 270: cairo_translate(ic, 0, 595)
        default: break
        }
        cairo_rotate(ic, Double(rotation) * .pi / 180)
        cairo_set_source_rgb(ic, 0, 0, 0)
        drawLines(lines, on: ic, fontSize: fontSize)
        cairo_destroy(ic)
        cairo_surface_flush(image)
        cairo_save(cr)
        cairo_scale(cr, 1 / scale, 1 / scale)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    /// `bytes` of a PDF with the middle of its first image stream overwritten with `0xFF`: the image data no
    /// longer decompresses. Nil when the file has no image stream.
    public static func corruptingFirstImage(_ bytes: [UInt8]) -> [UInt8]? {
        let data = Data(bytes)
        guard let image = data.range(of: Data("/Subtype /Image".utf8)),
              let stream = data.range(of: Data("stream".utf8), in: image.upperBound ..< data.count),
              let end = data.range(of: Data("endstream".utf8), in: stream.upperBound ..< data.count) else { return nil }
        var broken = bytes
        let start = stream.upperBound + 40, stop = end.lowerBound - 40
        guard start < stop else { return nil }
        for i in start + (stop - start) / 4 ..< stop { broken[i] = 0xFF }
        return broken
    }
}
