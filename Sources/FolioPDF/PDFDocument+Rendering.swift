import CPoppler
import Foundation

extension PDFDocument {
    /// The most pixels a rendered page may have: 40 megapixels is 160 MB of image surface, an A4 page at scale
    /// 10 (720 dpi).
    public static let maxRenderPixels = 40_000_000

    /// Renders a page to PNG with Poppler's cairo backend, on white, with `highlights` drawn over it.
    ///
    /// The image is `round(width × scale)` × `round(height × scale)` pixels for the page's displayed size in points
    /// (``geometry(ofPage:)``): scale 1 is 72 dpi. A highlight is a translucent yellow fill with a thin outline
    /// drawn inside the rectangle, so no pixel outside it changes.
    /// - Parameters:
    ///   - page: 1-based page number.
    ///   - scale: pixels per point, above 0.
    ///   - highlights: rectangles in top-left-origin points (``PageRect``).
    /// - Throws: `FolioPDFError.pageOutOfRange`, `.invalidScale`, `.renderTooLarge` (over ``maxRenderPixels``),
    ///   `.renderFailed`.
    public func renderPNG(page number: Int, scale: Double, highlights: [PageRect] = []) throws -> Data {
        guard scale.isFinite, scale > 0 else { throw FolioPDFError.invalidScale(path: path, scale: scale) }
        return try withPage(number) { page in
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            let pixelWidth = max(1, (width * scale).rounded()), pixelHeight = max(1, (height * scale).rounded())
            guard pixelWidth * pixelHeight <= Double(Self.maxRenderPixels), pixelWidth <= 32767, pixelHeight <= 32767 else {
                // A scale near Double's range makes the sizes infinite: say "huge", do not trap converting them.
                let pixels = { (size: Double) in size < 1e12 ? Int(size) : Int(1e12) }
                throw FolioPDFError.renderTooLarge(path: path, page: number, scale: scale, width: pixels(pixelWidth),
                                                   height: pixels(pixelHeight), limit: Self.maxRenderPixels)
            }
            // RGB24: the page is opaque once painted white, and the PNG then has no alpha channel.
            guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)) else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "cannot create an image surface")
            }
            defer { cairo_surface_destroy(surface) }
            try check(cairo_surface_status(surface), page: number)
            guard let cr = cairo_create(surface) else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "cannot create a cairo context")
            }
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
            // Scale each axis to the rounded pixel size, so the page fills the image exactly.
            cairo_scale(cr, pixelWidth / max(width, 1e-9), pixelHeight / max(height, 1e-9))
            cairo_save(cr)
            poppler_page_render(page, cr)
            cairo_restore(cr)
            Self.draw(highlights, on: cr, pixelsPerPoint: scale)
            let drawn = cairo_status(cr)
            cairo_destroy(cr)
            try check(drawn, page: number)
            cairo_surface_flush(surface)
            return try png(of: surface, page: number)
        }
    }

    /// Translucent yellow fill and a one-pixel amber outline inside each rectangle.
    private static func draw(_ highlights: [PageRect], on cr: OpaquePointer, pixelsPerPoint: Double) {
        let line = 1 / pixelsPerPoint  // one pixel, in points
        for box in highlights where box.width > 0 && box.height > 0 {
            cairo_rectangle(cr, box.x0, box.y0, box.width, box.height)
            cairo_set_source_rgba(cr, 1, 0.87, 0.1, 0.35)
            cairo_fill(cr)
            guard box.width > 2 * line, box.height > 2 * line else { continue }
            cairo_rectangle(cr, box.x0 + line / 2, box.y0 + line / 2, box.width - line, box.height - line)
            cairo_set_line_width(cr, line)
            cairo_set_source_rgba(cr, 0.85, 0.55, 0, 0.9)
            cairo_stroke(cr)
        }
    }

    /// The surface's PNG bytes, from `cairo_surface_write_to_png_stream` (no file in between).
    private func png(of surface: OpaquePointer, page: Int) throws -> Data {
        final class Sink { var data = Data() }
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
                guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        }
        try check(status, page: page)
        return sink.data
    }

    private func check(_ status: cairo_status_t, page: Int) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FolioPDFError.renderFailed(path: path, page: page, reason: String(cString: cairo_status_to_string(status)))
        }
    }
}
