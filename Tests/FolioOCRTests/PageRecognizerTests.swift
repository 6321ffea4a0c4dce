import FolioOCR
import FolioPDF
import FolioTestSupport
import Foundation
import Testing

@Suite("PageRecognizer: Tesseract over Poppler-rendered pages")
struct PageRecognizerTests {
    static let lines = [
        "Quokkas live on Rottnest Island near Perth in Western Australia.",
        "Wombats dig long burrows with their strong front claws at night.",
        "The platypus lays eggs and hunts by sensing electric fields.",
    ]

    func scan(_ pages: [TestPDF.ScanPage]) throws -> PDFDocument {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ocr-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: url) }
        try TestPDF.writeScan(pages, to: url)
        return try PDFDocument(url: url)
    }

    /// Share of the expected words (lower-cased, letters only) found in the text.
    static func wordRecall(_ text: String, of lines: [String]) -> Double {
        let norm = { (s: String) in s.lowercased().split { !$0.isLetter }.map(String.init) }
        let found = Set(norm(text))
        let expected = lines.flatMap(norm)
        return Double(expected.filter(found.contains).count) / Double(max(expected.count, 1))
    }

    @Test("an image-only page reads as its text, with word boxes where the words were drawn")
    func imageOnlyPage() throws {
        let document = try scan([.image(Self.lines)])
        #expect(try document.text(ofPage: 1).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let page = try PageRecognizer().recognize(page: 1, of: document)
        #expect(Self.wordRecall(page.text, of: Self.lines) >= 0.95, "\(page.text)")
        #expect(page.text.split(separator: "\n").count == 3, "\(page.text)")
        #expect(page.confidence > 80)
        #expect(page.rotation == 0)
        let scalars = Array(page.text.unicodeScalars)
        let quokkas = try #require(page.words.first { String(String.UnicodeScalarView(scalars[$0.offset ..< $0.offset + $0.length])) == "Quokkas" })
        // Drawn at x 56, baseline 72, 11 pt: the word's box lies within a point or two of that.
        #expect(abs(quokkas.box.x0 - 56) < 2, "\(quokkas.box)")
        #expect(quokkas.box.y1 > 68 && quokkas.box.y1 < 76, "\(quokkas.box)")
        #expect(quokkas.box.y0 > 60 && quokkas.box.y0 < 66, "\(quokkas.box)")
    }

    @Test("a page scanned sideways or upside down reads upright, boxes on the page as displayed",
          arguments: [90, 180, 270])
    func rotatedPage(rotation: Int) throws {
        let document = try scan([.image(Self.lines, rotation: rotation)])
        let page = try PageRecognizer().recognize(page: 1, of: document)
        // Upside down is turned; a quarter turn Tesseract's automatic segmentation may read as it is, as vertical
        // lines (its boxes are then on the displayed page already).
        #expect(page.rotation == (360 - rotation) % 360 || (rotation != 180 && page.rotation == 0), "\(page.text)")
        #expect(Self.wordRecall(page.text, of: Self.lines) >= 0.9, "\(page.text)")
        let geometry = try document.geometry(ofPage: 1)
        for word in page.words {
            #expect(word.box.x0 >= 0 && word.box.x1 <= geometry.width + 1 && word.box.y0 >= 0 && word.box.y1 <= geometry.height + 1)
        }
        // The first line's words sit along the paper's top edge, wherever the scanner put it.
        let first = try #require(page.words.first)
        switch rotation {
        case 90: #expect(first.box.x0 > geometry.width - 90, "\(first.box)")
        case 180: #expect(first.box.y0 > geometry.height - 90, "\(first.box)")
        default: #expect(first.box.x1 < 90, "\(first.box)")
        }
    }

    @Test("a blank page gives no words and confidence 0")
    func blankPage() throws {
        let page = try PageRecognizer().recognize(page: 1, of: try scan([.blank]))
        #expect(page.words.isEmpty)
        #expect(page.text.isEmpty)
        #expect(page.confidence == 0)
    }

    @Test("a missing language names its Debian package; a malformed list is refused")
    func missingLanguage() throws {
        #expect(throws: FolioOCRError.self) { try PageRecognizer(language: "qqq") }
        do {
            _ = try PageRecognizer(language: "eng+zzz")
            Issue.record("expected an error")
        } catch let error as FolioOCRError {
            #expect(error.description.contains("tesseract-ocr-zzz"), "\(error)")
        }
        #expect(FolioOCRError.debianPackage(for: "chi_sim") == "tesseract-ocr-chi-sim")
        #expect(throws: FolioOCRError.invalidLanguage("eng;rm")) { try PageRecognizer(language: "eng;rm") }
    }
}

@Suite("PageRecognizer without orientation data")
struct PageRecognizerFallbackTests {
    @Test("without osd.traineddata, the most confident of the four orientations is read")
    func fourOrientations() throws {
        let installed = try TesseractData.locate()
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("tessdata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bare) }
        try FileManager.default.createSymbolicLink(at: bare.appendingPathComponent("eng.traineddata"),
                                                   withDestinationURL: URL(fileURLWithPath: installed.directory).appendingPathComponent("eng.traineddata"))
        let data = TesseractData(directory: bare.path)
        #expect(!data.hasOrientationData)
        let url = bare.appendingPathComponent("upside-down.pdf")
        try TestPDF.writeScan([.image(PageRecognizerTests.lines, rotation: 180)], to: url)
        let page = try PageRecognizer(data: data).recognize(page: 1, of: try PDFDocument(url: url))
        #expect(page.rotation == 180)
        #expect(PageRecognizerTests.wordRecall(page.text, of: PageRecognizerTests.lines) >= 0.9, "\(page.text)")
    }
}
