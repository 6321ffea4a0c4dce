import FolioPDF
import Foundation

/// A word read from a page image, placed in the page's text and on the page.
public struct RecognizedWord: Sendable, Codable, Equatable {
    /// Index of its first Unicode scalar in ``RecognizedPage/text``.
    public var offset: Int
    /// Its length in Unicode scalars.
    public var length: Int
    /// Where it is, in PDF points on the page as displayed (top-left origin, y down): ``PageRect``'s space.
    public var box: PageRect
    /// Tesseract's word confidence, 0–100.
    public var confidence: Float

    public init(offset: Int, length: Int, box: PageRect, confidence: Float) {
        self.offset = offset
        self.length = length
        self.box = box
        self.confidence = confidence
    }
}

/// A page's text as OCR read it: words joined by spaces, text lines by `\n`, with each word's box.
public struct RecognizedPage: Sendable, Codable, Equatable {
    /// 1-based physical page number.
    public var number: Int
    public var text: String
    /// In text order.
    public var words: [RecognizedWord]
    /// Mean word confidence (0–100), weighted by the words' lengths; 0 with no words.
    public var confidence: Double
    /// Degrees the page image was turned clockwise to read it upright (0, 90, 180 or 270).
    public var rotation: Int
    /// The resolution the page was read at (lower than asked for an enormous page).
    public var dpi: Double

    public init(number: Int, text: String, words: [RecognizedWord], confidence: Double, rotation: Int, dpi: Double) {
        self.number = number
        self.text = text
        self.words = words
        self.confidence = confidence
        self.rotation = rotation
        self.dpi = dpi
    }
}

/// Reads pages of a PDF with Tesseract: Poppler renders the page to gray pixels at `dpi`, a page turned sideways
/// or upside down is turned upright (Tesseract's orientation detection when `osd.traineddata` is installed, else
/// the most confident of the four orientations), and the words come back with their boxes in page points.
///
/// Not thread-safe: it owns Tesseract handles, which belong to one thread. Make one per thread.
public final class PageRecognizer {
    public let language: String
    public let dpi: Double
    public let data: TesseractData
    private let engine: Tesseract
    private lazy var orientationEngine: Tesseract? = data.hasOrientationData ? try? Tesseract(data: data, language: "osd") : nil

    /// Words under this confidence (0–100) are dropped: on a photograph or a rule Tesseract "reads" specks.
    public static let minimumWordConfidence: Float = 20
    /// A first reading this confident (0–100) is taken as upright without checking for a turned page.
    static let uprightConfidence = 75.0
    /// Orientation detection's confidence needed to turn the page.
    static let minimumOrientationConfidence: Float = 2

    /// The most pixels a page image may have (A3 at 300 dpi is 17 megapixels); a larger page is read at a lower
    /// resolution.
    public static let maxPixels = 24_000_000

    /// - Parameters:
    ///   - language: Tesseract's language list (`eng`, `eng+deu`).
    ///   - dpi: the resolution pages are rendered at.
    /// - Throws: `FolioOCRError` (data or language missing, Tesseract would not start).
    public init(language: String = "eng", dpi: Double = 200, data: TesseractData? = nil) throws {
        let data = try data ?? TesseractData.locate()
        try data.validate(languages: language)
        self.language = language
        self.dpi = dpi
        self.data = data
        self.engine = try Tesseract(data: data, language: language)
    }

    /// Renders and reads one page.
    /// - Throws: `FolioPDFError` (the page cannot be rendered), `FolioOCRError.recognitionFailed`.
    public func recognize(page number: Int, of document: PDFDocument) throws -> RecognizedPage {
        // Most pages without text in a born-digital PDF are empty: a thumbnail shows it for a fraction of the
        // cost of a full render and of Tesseract (a 1000-page file with text on every 100th page).
        if Self.isBlank(try document.renderGray(page: number, dpi: Self.probeDPI, maxPixels: 1_000_000)) {
            return RecognizedPage(number: number, text: "", words: [], confidence: 0, rotation: 0, dpi: dpi)
        }
        let image = try document.renderGray(page: number, dpi: dpi, maxPixels: Self.maxPixels)
        return try recognize(image, page: number)
    }

    /// Reads a rendered page image.
    /// - Throws: `FolioOCRError.recognitionFailed`.
    public func recognize(_ image: GrayImage, page number: Int) throws -> RecognizedPage {
        let usedDPI = image.pixelsPerPointX * 72
        let resolution = Int(usedDPI.rounded())
        // Most scans are upright: read the page as it is, and only a page read with little confidence is checked for
        // a turn (orientation detection is another pass over the page, wasted on an upright one).
        let upright = try engine.recognize(image, dpi: resolution, page: number)
        var best = (rotation: 0, words: upright, confidence: Self.confidence(of: upright))
        if best.confidence < Self.uprightConfidence {
            if let orientationEngine {
                if let found = orientationEngine.orientation(of: image, dpi: resolution),
                   found.confidence >= Self.minimumOrientationConfidence, found.degrees % 360 != 0 {
                    // Tesseract gives the page's turn clockwise from upright (a page scanned a quarter turn to the
                    // right is 90): turning the image the rest of the way round makes it upright.
                    let rotation = (360 - ((found.degrees % 360) + 360) % 360) % 360
                    let words = try engine.recognize(image.rotated(clockwise: rotation), dpi: resolution, page: number)
                    let confidence = Self.confidence(of: words)
                    if confidence > best.confidence { best = (rotation, words, confidence) }
                }
            } else {
                for rotation in [90, 180, 270] {
                    let words = try engine.recognize(image.rotated(clockwise: rotation), dpi: resolution, page: number)
                    let confidence = Self.confidence(of: words)
                    if confidence > best.confidence { best = (rotation, words, confidence) }
                }
            }
        }
        return assemble(best.words, rotation: best.rotation, image: image, page: number, dpi: usedDPI)
    }

    /// The resolution of the blank-page probe: an 11 pt line is 3 pixels high, gray but not white.
    static let probeDPI = 24.0

    /// Whether an image has no ink at all: no pixel darker than 235 of 255 (a scan's paper is never this clean).
    static func isBlank(_ image: GrayImage) -> Bool {
        image.pixels.withUnsafeBufferPointer { pixels in !pixels.contains { $0 < 235 } }
    }

    /// Mean confidence of the words kept, weighted by their length.
    static func confidence(of words: [Tesseract.Word]) -> Double {
        var sum = 0.0, weight = 0.0
        for word in words where word.confidence >= minimumWordConfidence {
            let length = Double(word.text.unicodeScalars.count)
            sum += Double(word.confidence) * length
            weight += length
        }
        return weight > 0 ? sum / weight : 0
    }

    /// The page's text and words in page points, from words read on the image turned `rotation` clockwise.
    private func assemble(_ words: [Tesseract.Word], rotation: Int, image: GrayImage, page: Int, dpi: Double) -> RecognizedPage {
        var scalars: [Unicode.Scalar] = []
        var placed: [RecognizedWord] = []
        var sum = 0.0, weight = 0.0
        let w = Double(image.width), h = Double(image.height)
        for word in words where word.confidence >= Self.minimumWordConfidence {
            if !scalars.isEmpty { scalars.append(word.startsLine ? "\n" : " ") }
            let offset = scalars.count
            scalars.append(contentsOf: word.text.unicodeScalars)
            let length = scalars.count - offset
            // Back from the turned image to the rendered one (continuous pixel coordinates), then to points.
            let (l, t, r, b) = (Double(word.left), Double(word.top), Double(word.right), Double(word.bottom))
            let corners: [(Double, Double)]
            switch rotation {
            case 90: corners = [(t, h - l), (b, h - r)]
            case 180: corners = [(w - l, h - t), (w - r, h - b)]
            case 270: corners = [(w - t, l), (w - b, r)]
            default: corners = [(l, t), (r, b)]
            }
            let xs = corners.map(\.0), ys = corners.map(\.1)
            let box = PageRect(x0: (xs.min() ?? 0) / image.pixelsPerPointX, y0: (ys.min() ?? 0) / image.pixelsPerPointY,
                               x1: (xs.max() ?? 0) / image.pixelsPerPointX, y1: (ys.max() ?? 0) / image.pixelsPerPointY)
            placed.append(RecognizedWord(offset: offset, length: length, box: box, confidence: word.confidence))
            sum += Double(word.confidence) * Double(length)
            weight += Double(length)
        }
        return RecognizedPage(number: page, text: String(String.UnicodeScalarView(scalars)), words: placed,
                              confidence: weight > 0 ? sum / weight : 0, rotation: rotation, dpi: dpi)
    }
}

extension GrayImage {
    /// The image turned clockwise by 90, 180 or 270 degrees.
    func rotated(clockwise degrees: Int) -> GrayImage {
        let w = width, h = height
        let turnsSides = degrees == 90 || degrees == 270
        let nw = turnsSides ? h : w, nh = turnsSides ? w : h
        let out = pixels.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: w * h) { target, initialized in
                for y in 0 ..< h {
                    for x in 0 ..< w {
                        let (u, v): (Int, Int)
                        switch degrees {
                        case 90: (u, v) = (h - 1 - y, x)
                        case 180: (u, v) = (w - 1 - x, h - 1 - y)
                        case 270: (u, v) = (y, w - 1 - x)
                        default: (u, v) = (x, y)
                        }
                        target[v * nw + u] = source[y * w + x]
                    }
                }
                initialized = w * h
            }
        }
        return GrayImage(width: nw, height: nh, pixels: out,
                         pixelsPerPointX: turnsSides ? pixelsPerPointY : pixelsPerPointX,
                         pixelsPerPointY: turnsSides ? pixelsPerPointX : pixelsPerPointY)
    }
}
