import CCairo
import Foundation

extension TestPDF {
    /// A line of text to draw at a known place: `x` and the baseline `y` in top-left-origin points.
    public struct PlacedLine: Sendable {
        public var text: String
        public var x: Double
        public var baseline: Double
        public var fontSize: Double

        public init(_ text: String, x: Double, baseline: Double, fontSize: Double = 11) {
            self.text = text
            self.x = x
            self.baseline = baseline
            self.fontSize = fontSize
        }
    }

    /// Where a drawn line lies: from its pen start to its advance, from the font's ascent above the baseline to its
    /// descent below (the box Poppler gives each glyph), in top-left-origin points.
    public struct DrawnBox: Sendable, Equatable {
        public var x0: Double, y0: Double, x1: Double, y1: Double
    }

    /// Writes A4 pages of lines drawn where `pages` says, in DejaVu Sans, and returns each line's drawn box.
    @discardableResult
    public static func writePlaced(pages: [[PlacedLine]], to url: URL) throws -> [[DrawnBox]] {
        guard let surface = cairo_pdf_surface_create(url.path, 595, 842) else { throw Failure.cairo("cannot create surface") }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw Failure.cairo("cannot create context") }
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        var drawn: [[DrawnBox]] = []
        for lines in pages {
            var boxes: [DrawnBox] = []
            for line in lines {
                cairo_set_font_size(cr, line.fontSize)
                var font = cairo_font_extents_t()
                cairo_font_extents(cr, &font)
                var text = cairo_text_extents_t()
                cairo_text_extents(cr, line.text, &text)
                cairo_move_to(cr, line.x, line.baseline)
                cairo_show_text(cr, line.text)
                boxes.append(DrawnBox(x0: line.x, y0: line.baseline - font.ascent,
                                      x1: line.x + text.x_advance, y1: line.baseline + font.descent))
            }
            drawn.append(boxes)
            cairo_show_page(cr)
        }
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw Failure.cairo("cannot write") }
        return drawn
    }

    /// A decoded image: `pixels` row by row, `0xAARRGGBB` each.
    public struct DecodedImage: Sendable {
        public var width: Int
        public var height: Int
        public var pixels: [UInt32]

        public func pixel(x: Int, y: Int) -> UInt32 { pixels[y * width + x] }
    }

    /// Decodes PNG bytes with cairo (libpng); nil when they are not a PNG cairo can read.
    public static func decodePNG(_ data: Data) -> DecodedImage? {
        final class Source { let data: Data; var offset = 0; init(_ data: Data) { self.data = data } }
        let source = Source(data)
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream({ closure, buffer, length in
                guard let closure, let buffer else { return CAIRO_STATUS_READ_ERROR }
                let source = Unmanaged<Source>.fromOpaque(closure).takeUnretainedValue()
                let count = Int(length)
                guard source.offset + count <= source.data.count else { return CAIRO_STATUS_READ_ERROR }
                source.data.copyBytes(to: buffer, from: source.offset ..< source.offset + count)
                source.offset += count
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(source).toOpaque())
        }
        guard let surface else { return nil }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let base = cairo_image_surface_get_data(surface) else {
            return nil
        }
        let width = Int(cairo_image_surface_get_width(surface)), height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        var pixels: [UInt32] = []
        pixels.reserveCapacity(width * height)
        for y in 0 ..< height {
            let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
            // An RGB24 PNG decodes to an RGB24 surface, whose top byte is undefined.
            for x in 0 ..< width { pixels.append(row[x] | 0xFF00_0000) }
        }
        return DecodedImage(width: width, height: height, pixels: pixels)
    }
}
