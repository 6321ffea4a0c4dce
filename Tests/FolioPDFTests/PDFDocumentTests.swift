import FolioPDF
import FolioTestSupport
import Foundation
import Testing

@Suite("Poppler extraction on generated PDFs")
struct PDFDocumentTests {
    let directory: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-pdf")
    }

    @Test("known text lands on its page, metadata is read")
    func textAndMetadata() throws {
        let url = directory.appendingPathComponent("two pages é.pdf")
        try TestPDF.write(pages: [["Alpha page speaks of zebras."], ["Beta page speaks of quokkas."]],
                          to: url, title: "A Test Title", author: "Ada Lovelace")
        let document = try PDFDocument(url: url)
        #expect(document.pageCount == 2)
        #expect(document.title == "A Test Title")
        #expect(document.author == "Ada Lovelace")
        let first = try document.text(ofPage: 1)
        let second = try document.text(ofPage: 2)
        #expect(first.contains("zebras"))
        #expect(!first.contains("quokkas"))
        #expect(second.contains("quokkas"))
        #expect(throws: FolioPDFError.pageOutOfRange(path: url.path, page: 3, pageCount: 2)) {
            try document.text(ofPage: 3)
        }
    }

    @Test("title falls back to the file name")
    func titleFallback() throws {
        let url = directory.appendingPathComponent("untitled-notes.pdf")
        try TestPDF.write(pages: [["Some text."]], to: url)
        let extracted = try ExtractedDocument.extract(from: url)
        #expect(extracted.title == "untitled-notes")
        #expect(extracted.pages.map(\.number) == [1])
    }

    @Test("bad files give errors that name the file")
    func badFiles() throws {
        let empty = directory.appendingPathComponent("empty.pdf")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        #expect(throws: FolioPDFError.empty(path: empty.path)) { try PDFDocument(url: empty) }

        let text = directory.appendingPathComponent("notes.pdf")
        try "just some text, not a PDF".write(to: text, atomically: true, encoding: .utf8)
        #expect(throws: FolioPDFError.notAPDF(path: text.path)) { try PDFDocument(url: text) }

        let missing = directory.appendingPathComponent("missing.pdf")
        #expect(throws: FolioPDFError.fileNotFound(path: missing.path)) { try PDFDocument(url: missing) }

        let good = directory.appendingPathComponent("good.pdf")
        try TestPDF.write(pages: [["Words"]], to: good)
        let data = try Data(contentsOf: good)
        let truncated = directory.appendingPathComponent("truncated.pdf")
        try data.prefix(40).write(to: truncated)
        do {
            let document = try PDFDocument(url: truncated)
            // Poppler may "repair" a stub into an empty document; it must then have no text.
            #expect(try document.pages().allSatisfy { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
        } catch let error as FolioPDFError {
            #expect(error.description.contains(truncated.path))
        }
        #expect(FolioPDFError.empty(path: empty.path).description.hasPrefix(empty.path))
    }

    @Test("a corpus paper, when present, reads with its known first-page text")
    func corpusPaper() throws {
        guard let corpus = TestPaths.corpus else { return }
        let document = try PDFDocument(url: corpus.appendingPathComponent("attention-is-all-you-need.pdf"))
        #expect(document.pageCount == 15)
        #expect(try document.text(ofPage: 3).contains("identical layers"))
    }
}
