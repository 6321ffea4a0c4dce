import FolioPDF
import FolioTestSupport
import Foundation
import Testing

@Suite("Page geometry, glyph layout and PNG rendering on generated PDFs")
struct PageRenderingTests {
    let directory: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-render")
    }

    /// The width and height an IHDR chunk gives, after checking the PNG signature.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
              bytes[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }  // "IHDR"
        let int = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }

    @Test("geometry: A4 in points, Poppler's label for a PDF without page labels")
    func geometry() throws {
        let url = directory.appendingPathComponent("geometry.pdf")
        try TestPDF.write(pages: [["First page."], ["Second page."]], to: url)
        let document = try PDFDocument(url: url)
        let second = try document.geometry(ofPage: 2)
        #expect(second.number == 2)
        #expect(abs(second.width - 595) < 0.01 && abs(second.height - 842) < 0.01)
        #expect(second.label == "2")
        #expect(throws: FolioPDFError.pageOutOfRange(path: url.path, page: 3, pageCount: 2)) {
            try document.geometry(ofPage: 3)
        }
    }

    @Test("layout: the text of page(_:), each character boxed where it was drawn")
    func layout() throws {
        let url = directory.appendingPathComponent("layout.pdf")
        let drawn = try TestPDF.writePlaced(pages: [[
            .init("Quokkas hop across the meadow.", x: 80, baseline: 120),
            .init("Zebras graze further south.", x: 200, baseline: 400, fontSize: 14),
        ]], to: url)
        let document = try PDFDocument(url: url)
        let layout = try document.layout(ofPage: 1)
        #expect(layout.text == (try document.text(ofPage: 1)))
        #expect(layout.characterBoxes.count == layout.text.unicodeScalars.count)
        let scalars = Array(layout.text.unicodeScalars)
        for (line, box) in zip(["Quokkas hop across the meadow.", "Zebras graze further south."], drawn[0]) {
            let start = try #require(layout.text.range(of: line)).lowerBound
            let offset = layout.text.unicodeScalars.distance(from: layout.text.unicodeScalars.startIndex, to: start)
            let boxes = (offset ..< offset + line.unicodeScalars.count).compactMap { layout.characterBoxes[$0] }
            #expect(boxes.count == line.filter { $0 != " " }.count)
            let union = boxes.dropFirst().reduce(boxes[0]) { $0.union($1) }
            #expect(abs(union.x0 - box.x0) < 2 && abs(union.x1 - box.x1) < 2, "\(union) vs \(box)")
            #expect(abs(union.y0 - box.y0) < 2 && abs(union.y1 - box.y1) < 2, "\(union) vs \(box)")
            #expect(scalars[offset] == line.unicodeScalars.first)
        }
    }

    @Test("layout: on corpus pages (two-column ones repaired too) the text is page(_:)'s, a box for every visible character",
          .enabled(if: TestPaths.corpus != nil), arguments: ["gpt2.pdf", "dpr.pdf", "attention-is-all-you-need.pdf"])
    func corpusLayout(file: String) throws {
        let url = try #require(TestPaths.corpus).appendingPathComponent(file)
        try #require(FileManager.default.fileExists(atPath: url.path))
        let document = try PDFDocument(url: url)
        for number in 1 ... document.pageCount {
            let layout = try document.layout(ofPage: number)
            #expect(layout.text == (try document.text(ofPage: number)), "\(file) page \(number)")
            let visible = zip(layout.text.unicodeScalars, layout.characterBoxes).filter { $0.0.value > 0x20 && !$0.0.properties.isWhitespace }
            #expect(visible.allSatisfy { $0.1 != nil }, "\(file) page \(number)")
        }
    }

    @Test("render: a PNG of round(points × scale) pixels", arguments: [0.5, 1, 1.5, 2])
    func pngSize(scale: Double) throws {
        let url = directory.appendingPathComponent("size.pdf")
        try TestPDF.write(pages: [["Some words to render."]], to: url)
        let png = try PDFDocument(url: url).renderPNG(page: 1, scale: scale)
        let size = try #require(Self.pngSize(png))
        #expect(size.width == Int((595 * scale).rounded()) && size.height == Int((842 * scale).rounded()))
        let image = try #require(TestPDF.decodePNG(png))
        #expect(image.width == size.width && image.height == size.height)
        #expect(image.pixel(x: 0, y: 0) == 0xFFFF_FFFF, "white background")
        #expect(image.pixels.contains { $0 != 0xFFFF_FFFF }, "text drawn")
    }

    @Test("render: a highlight changes pixels inside its box only")
    func highlight() throws {
        let url = directory.appendingPathComponent("highlight.pdf")
        try TestPDF.write(pages: [["A line that will be highlighted.", "A line that will not."]], to: url)
        let document = try PDFDocument(url: url)
        let box = PageRect(x0: 50, y0: 60, x1: 300, y1: 76)
        let scale = 2.0
        let plain = try #require(TestPDF.decodePNG(try document.renderPNG(page: 1, scale: scale)))
        let marked = try #require(TestPDF.decodePNG(try document.renderPNG(page: 1, scale: scale, highlights: [box])))
        var inside = 0, changedInside = 0, changedOutside = 0
        for y in 0 ..< plain.height {
            for x in 0 ..< plain.width {
                let changed = plain.pixel(x: x, y: y) != marked.pixel(x: x, y: y)
                let px = (Double(x) + 0.5) / scale, py = (Double(y) + 0.5) / scale
                if px > box.x0, px < box.x1, py > box.y0, py < box.y1 {
                    inside += 1
                    if changed { changedInside += 1 }
                } else if changed {
                    changedOutside += 1
                }
            }
        }
        #expect(changedOutside == 0)
        #expect(changedInside > inside * 9 / 10)
    }

    /// The bounding box of the rendered page's dark pixels, in pixels.
    static func ink(_ image: TestPDF.DecodedImage) -> PageRect? {
        var box: PageRect? = nil
        for y in 0 ..< image.height {
            for x in 0 ..< image.width where image.pixel(x: x, y: y) & 0xFF < 128 {
                let pixel = PageRect(x0: Double(x), y0: Double(y), x1: Double(x + 1), y1: Double(y + 1))
                box = box?.union(pixel) ?? pixel
            }
        }
        return box
    }

    @Test("a page turned by /Rotate 90: size as displayed, character boxes where the rendering draws the text")
    func rotated() throws {
        let url = directory.appendingPathComponent("rotated.pdf")
        try TestPDF.writePlaced(pages: [[.init("Rotated quokkas hop sideways.", x: 100, baseline: 150, fontSize: 14)]], to: url)
        // cairo writes no /Rotate: add one to the page dictionary (Poppler rebuilds the shifted cross-references).
        var bytes = try Data(contentsOf: url)
        let marker = Data("/Type /Page % 1".utf8)
        let range = try #require(bytes.range(of: marker))
        bytes.replaceSubrange(range, with: Data("/Type /Page /Rotate 90".utf8))
        try bytes.write(to: url)

        let document = try PDFDocument(url: url)
        let geometry = try document.geometry(ofPage: 1)
        #expect(abs(geometry.width - 842) < 0.01 && abs(geometry.height - 595) < 0.01)
        let layout = try document.layout(ofPage: 1)
        #expect(layout.text.contains("Rotated quokkas"))
        let boxes = layout.characterBoxes.compactMap { $0 }
        let glyphs = try #require(boxes.first.map { first in boxes.reduce(first) { $0.union($1) } })
        #expect(glyphs.height > 3 * glyphs.width, "the line runs down the displayed page: \(glyphs)")
        let image = try #require(TestPDF.decodePNG(try document.renderPNG(page: 1, scale: 1)))
        #expect(image.width == 842 && image.height == 595)
        let ink = try #require(Self.ink(image))
        #expect(ink.x0 >= glyphs.x0 - 1.5 && ink.x1 <= glyphs.x1 + 1.5 && ink.y0 >= glyphs.y0 - 1.5 && ink.y1 <= glyphs.y1 + 1.5,
                "ink \(ink) inside glyph boxes \(glyphs)")
        #expect(abs(ink.y0 - glyphs.y0) < 3 && abs(ink.y1 - glyphs.y1) < 3, "ink \(ink) spans the glyph boxes \(glyphs)")
    }

    @Test("a page with a crop box: its size, and boxes measured from the crop box's top-left corner")
    func cropped() throws {
        let url = directory.appendingPathComponent("cropped.pdf")
        let drawn = try TestPDF.writePlaced(pages: [[.init("Cropped quokkas stay inside.", x: 150, baseline: 200, fontSize: 14)]], to: url)
        // Crop 100 pt off every side (PDF coordinates: origin bottom-left).
        var bytes = try Data(contentsOf: url)
        let range = try #require(bytes.range(of: Data("/MediaBox [ 0 0 595 842 ]".utf8)))
        bytes.replaceSubrange(range, with: Data("/MediaBox [ 0 0 595 842 ] /CropBox [ 100 100 495 742 ]".utf8))
        try bytes.write(to: url)

        let document = try PDFDocument(url: url)
        let geometry = try document.geometry(ofPage: 1)
        #expect(abs(geometry.width - 395) < 0.01 && abs(geometry.height - 642) < 0.01)
        let boxes = try document.layout(ofPage: 1).characterBoxes.compactMap { $0 }
        let glyphs = try #require(boxes.first.map { first in boxes.reduce(first) { $0.union($1) } })
        let line = drawn[0][0]
        #expect(abs(glyphs.x0 - (line.x0 - 100)) < 2 && abs(glyphs.y0 - (line.y0 - 100)) < 2, "\(glyphs) vs \(line) moved by 100")
        let image = try #require(TestPDF.decodePNG(try document.renderPNG(page: 1, scale: 1)))
        #expect(image.width == 395 && image.height == 642)
        let ink = try #require(Self.ink(image))
        #expect(ink.x0 >= glyphs.x0 - 1.5 && ink.x1 <= glyphs.x1 + 1.5 && ink.y0 >= glyphs.y0 - 1.5 && ink.y1 <= glyphs.y1 + 1.5,
                "ink \(ink) inside glyph boxes \(glyphs)")
    }

    @Test("render: bad scales are refused with a clear error")
    func badScale() throws {
        let url = directory.appendingPathComponent("scale.pdf")
        try TestPDF.write(pages: [["Words."]], to: url)
        let document = try PDFDocument(url: url)
        #expect(throws: FolioPDFError.invalidScale(path: url.path, scale: 0)) { try document.renderPNG(page: 1, scale: 0) }
        #expect(throws: FolioPDFError.invalidScale(path: url.path, scale: .infinity)) { try document.renderPNG(page: 1, scale: .infinity) }
        #expect(throws: FolioPDFError.self) { try document.renderPNG(page: 1, scale: 1e307) }
        do {
            _ = try document.renderPNG(page: 1, scale: 20)
            Issue.record("a 11900×16840 render was not refused")
        } catch let error as FolioPDFError {
            guard case .renderTooLarge(_, 1, 20, 11900, 16840, PDFDocument.maxRenderPixels) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(error.description.contains("smaller scale"))
        }
    }
}
