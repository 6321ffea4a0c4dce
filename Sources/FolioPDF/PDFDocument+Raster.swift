import CPoppler
import Foundation

/// A page rendered to 8-bit gray pixels (0 black … 255 white), row by row with no padding: what OCR reads.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width × height` bytes, top row first.
    public var pixels: [UInt8]
    /// Pixels per PDF point on each axis (the page's displayed size in points times these is the image size).
    public var pixelsPerPointX: Double
    public var pixelsPerPointY: Double

    public init(width: Int, height: Int, pixels: [UInt8], pixelsPerPointX: Double, pixelsPerPointY: Double) {
        precondition(pixels.count == width * height, "one byte per pixel")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.pixelsPerPointX = pixelsPerPointX
        self.pixelsPerPointY = pixelsPerPointY
    }
}

extension PDFDocument {
    /// Renders a page with Poppler's cairo backend onto white and returns it as gray pixels.
    ///
    /// The scale is `dpi / 72`, lowered when the page would exceed `maxPixels` (an enormous page is read at the
    /// resolution that fits rather than refused); the image's `pixelsPerPoint*` say what was used.
    /// - Parameters:
    ///   - page: 1-based page number.
    ///   - dpi: the resolution wanted, above 0.
    ///   - maxPixels: the most pixels the image may have.
    /// - Throws: `FolioPDFError.pageOutOfRange`, `.invalidScale`, `.renderFailed`.
    /// - Complexity: one Poppler render of the page plus one pass over its pixels.
    public func renderGray(page number: Int, dpi: Double, maxPixels: Int = 24_000_000) throws -> GrayImage {
        guard dpi.isFinite, dpi > 0 else { throw FolioPDFError.invalidScale(path: path, scale: dpi / 72) }
        return try withPage(number) { page in
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            guard width > 0, height > 0, width.isFinite, height.isFinite else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "the page has no size")
            }
            var scale = dpi / 72
            let budget = Double(max(maxPixels, 1))
            if width * scale * height * scale > budget { scale = (budget / (width * height)).squareRoot() }
            scale = min(scale, 32767 / width, 32767 / height)
            let pixelWidth = max(1, Int((width * scale).rounded())), pixelHeight = max(1, Int((height * scale).rounded()))
            guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)) else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "cannot create an image surface")
            }
            defer { cairo_surface_destroy(surface) }
            try rasterCheck(cairo_surface_status(surface), page: number)
            guard let cr = cairo_create(surface) else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "cannot create a cairo context")
            }
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
            let sx = Double(pixelWidth) / width, sy = Double(pixelHeight) / height
            cairo_scale(cr, sx, sy)
            // As `renderPNG` draws it, so recognized words' boxes land where the page image shows them.
            poppler_page_render(page, cr)
            let drawn = cairo_status(cr)
            cairo_destroy(cr)
            try rasterCheck(drawn, page: number)
            cairo_surface_flush(surface)
            guard let base = cairo_image_surface_get_data(surface) else {
                throw FolioPDFError.renderFailed(path: path, page: number, reason: "the image surface has no data")
            }
            let stride = Int(cairo_image_surface_get_stride(surface))
            let pixels = [UInt8](unsafeUninitializedCapacity: pixelWidth * pixelHeight) { buffer, initialized in
                for y in 0 ..< pixelHeight {
                    // RGB24 is one native-endian 32-bit word per pixel: 0x00RRGGBB.
                    let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                    for x in 0 ..< pixelWidth {
                        let p = row[x]
                        let r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF
                        // ITU-R BT.601 luma in integers.
                        buffer[y * pixelWidth + x] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
                    }
                }
                initialized = pixelWidth * pixelHeight
            }
            return GrayImage(width: pixelWidth, height: pixelHeight, pixels: pixels, pixelsPerPointX: sx, pixelsPerPointY: sy)
        }
    }

    private func rasterCheck(_ status: cairo_status_t, page: Int) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FolioPDFError.renderFailed(path: path, page: page, reason: String(cString: cairo_status_to_string(status)))
        }
    }
}
