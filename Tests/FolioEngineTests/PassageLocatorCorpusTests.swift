import FolioEngine
import FolioPDF
import FolioTestSupport
import FolioText
import FolioTokenizer
import Foundation
import Testing

@Suite("Passage locator on corpus papers", .enabled(if: TestPaths.corpus != nil, "no corpus (Corpus/ or ../shared/corpus)"))
struct PassageLocatorCorpusTests {
    /// Every chunk ingestion makes of `file`, located on its own pages: the share placed.
    static func placement(of file: String) throws -> (placed: Int, total: Int, unplaced: [(pages: ClosedRange<Int>, coverage: Double, text: String)], seconds: Double) {
        let url = try #require(TestPaths.corpus).appendingPathComponent(file)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: TestPaths.model.appendingPathComponent("vocab.txt"))
        let prepared = DocumentPreparer(tokenizer: tokenizer).prepare(try ExtractedDocument.extract(from: url))
        let document = try PDFDocument(url: url)
        let layouts = try (1 ... document.pageCount).map { try document.layout(ofPage: $0) }
        var placed = 0
        var unplaced: [(ClosedRange<Int>, Double, String)] = []
        let start = Date()
        for prepared in prepared.chunks {
            let chunk = prepared.chunk
            let pages = chunk.pageStart ... max(chunk.pageStart, chunk.pageEnd)
            let location = PassageLocator(pages: Array(layouts[(pages.lowerBound - 1) ..< pages.upperBound])).locate(chunk.text)
            if location.placed { placed += 1 } else { unplaced.append((pages, location.coverage, chunk.text)) }
        }
        return (placed, prepared.chunks.count, unplaced, Date().timeIntervalSince(start))
    }

    @Test("most chunks of three papers are placed on their pages",
          arguments: ["attention-is-all-you-need.pdf", "bert.pdf", "little-book-of-deep-learning.pdf"])
    func placementRate(file: String) throws {
        let result = try Self.placement(of: file)
        let rate = Double(result.placed) / Double(max(result.total, 1))
        print("placement \(file): \(result.placed)/\(result.total) = \(String(format: "%.3f", rate)), "
              + "\(String(format: "%.1f", 1000 * result.seconds / Double(max(result.total, 1)))) ms a chunk")
        for miss in result.unplaced.prefix(6) {
            print("  unplaced p\(miss.pages) coverage \(String(format: "%.2f", miss.coverage)): \(miss.text.prefix(160))")
        }
        #expect(rate >= 0.9)
    }

    /// The figures of docs/pages.md over the whole corpus (about a minute in a debug build):
    /// `FOLIO_MEASURE_PLACEMENT=1 swift test --filter wholeCorpus`.
    @Test("whole corpus: chunks placed, their sentences placed, chunks wrongly placed on another page",
          .enabled(if: ProcessInfo.processInfo.environment["FOLIO_MEASURE_PLACEMENT"] == "1", "set FOLIO_MEASURE_PLACEMENT=1"))
    func wholeCorpus() throws {
        let corpus = try #require(TestPaths.corpus)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: TestPaths.model.appendingPathComponent("vocab.txt"))
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".pdf") }.sorted()
        var chunks = (placed: 0, total: 0), sentences = (placed: 0, total: 0), wrong = (placed: 0, total: 0)
        for file in files {
            let url = corpus.appendingPathComponent(file)
            let prepared = DocumentPreparer(tokenizer: tokenizer).prepare(try ExtractedDocument.extract(from: url))
            let document = try PDFDocument(url: url)
            let pages = try (1 ... document.pageCount).map { PassageLocator(pages: [try document.layout(ofPage: $0)]) }
            for chunk in prepared.chunks.map(\.chunk) {
                let locator = PassageLocator(combining: Array(pages[(chunk.pageStart - 1) ..< max(chunk.pageStart, chunk.pageEnd)]))
                chunks.total += 1
                if locator.locate(chunk.text).placed { chunks.placed += 1 }
                for sentence in SentenceSplitter.split(chunk.text) {
                    sentences.total += 1
                    if locator.locate(sentences: [sentence], of: chunk.text).placed { sentences.placed += 1 }
                }
                // Two pages past its own, a chunk must find no place.
                if chunk.pageEnd + 2 <= pages.count {
                    wrong.total += 1
                    if pages[chunk.pageEnd + 1].locate(chunk.text).placed { wrong.placed += 1 }
                }
            }
        }
        print("whole corpus (\(files.count) PDFs): chunks placed \(chunks.placed)/\(chunks.total), sentences placed "
              + "\(sentences.placed)/\(sentences.total), chunks placed on a wrong page \(wrong.placed)/\(wrong.total)")
        #expect(wrong.placed == 0)
        #expect(Double(chunks.placed) >= 0.95 * Double(chunks.total))
    }
}
