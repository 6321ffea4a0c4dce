import FolioEngine
import FolioPDF
import FolioStore
import FolioTestSupport
import Foundation
import Testing

@Suite("Folio's page calls on an ingested store",
       .enabled(if: FileManager.default.fileExists(atPath: TestPaths.model.appendingPathComponent("vocab.txt").path),
                "all-MiniLM-L6-v2 not found; run Models/fetch"))
struct FolioPagesTests {
    let directory: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-pages")
    }

    /// A store holding `pdf`, ingested in this process.
    func ingested(_ pdf: URL) throws -> (Folio, DocumentRecord) {
        let folio = try Folio(storeDirectory: directory.appendingPathComponent("store"), modelDirectory: { TestPaths.model })
        let report = try folio.ingest(paths: [pdf.path], options: IngestOptions(jobs: 1))
        try #require(report.ingested == 1, "\(report.outcomes) \(report.pathErrors)")
        let document = try #require(try folio.store.documents().first)
        return (folio, document)
    }

    static let prose = (1 ... 24).map { TestPDF.distinctSentence($0) }

    func twoPagePDF() throws -> URL {
        let url = directory.appendingPathComponent("survey.pdf")
        try TestPDF.write(pages: [Array(Self.prose[0 ..< 12]), Array(Self.prose[12...])], to: url)
        return url
    }

    @Test("page info, a chunk and its boxes, and the page rendered with the chunk highlighted")
    func pages() throws {
        let (folio, document) = try ingested(try twoPagePDF())
        let info = try folio.pageInfo(documentID: document.id, page: 2)
        #expect(info == PageInfo(page: 2, label: "2", width: 595, height: 842))

        let chunks = try folio.store.chunks(documentIDs: [document.id])
        let first = try #require(chunks.first)
        #expect(try folio.chunk(id: first.chunkID) == first)
        #expect(try folio.chunk(id: "000000000000-999") == nil)

        for chunk in chunks {
            let location = try folio.boxes(forChunk: chunk)
            #expect(location.placed, "\(chunk.chunkID): \(chunk.text)")
            #expect(Set(location.boxes.map(\.page)) == Set(chunk.pages), "\(chunk.chunkID) on \(chunk.pages)")
            // TestPDF.write draws lines from x = 56, baselines 72 + 16.5 n.
            for box in location.boxes {
                #expect(abs(box.x0 - 56) < 1 && box.x1 > 300 && box.x1 < 539 && box.y0 > 60 && box.y1 < 842, "\(box)")
            }
        }

        let location = try folio.boxes(forChunk: first)
        let plain = try #require(TestPDF.decodePNG(try folio.renderPage(documentID: document.id, page: 1, scale: 1.5)))
        let png = try folio.renderPage(documentID: document.id, page: 1, scale: 1.5, highlightChunkID: first.chunkID)
        let marked = try #require(TestPDF.decodePNG(png))
        #expect(marked.width == 893 && marked.height == 1263)
        let box = try #require(location.boxes.first { $0.page == 1 })
        let (x, y) = (Int((box.x0 + 2) * 1.5), Int((box.y0 + box.y1) / 2 * 1.5))
        #expect(plain.pixel(x: x - 10, y: y) == marked.pixel(x: x - 10, y: y), "left of the box: unchanged")
        #expect(plain.pixels != marked.pixels)

        let sentence = try #require(first.text.split(separator: ".").first.map { String($0) + "." })
        let cited = try folio.boxes(forSentences: [sentence], in: first)
        #expect(cited.placed && cited.boxes.count == 1 && cited.boxes[0] == location.boxes[0])

        let other = try #require(chunks.last(where: { !$0.pages.contains(1) }))
        #expect(throws: FolioPDFError.self) { try folio.renderPage(documentID: document.id, page: 3, scale: 1) }
        let onOtherPage = try folio.renderPage(documentID: document.id, page: 1, scale: 1, highlightChunkID: other.chunkID)
        #expect(onOtherPage == (try folio.renderPage(documentID: document.id, page: 1, scale: 1)), "no box of page 2 on page 1")
    }

    @Test("a scanned page: its OCR chunks are placed from the stored word boxes, where the lines were drawn")
    func scannedPage() throws {
        let url = directory.appendingPathComponent("scan.pdf")
        // A sideways scan too: its boxes are on the page as displayed (landscape), along the paper's top edge.
        try TestPDF.writeScan([.image(Array(Self.prose[0 ..< 8])), .image(Array(Self.prose[8 ..< 14]), rotation: 90)], to: url)
        let (folio, document) = try ingested(url)
        let chunks = try folio.store.chunks(documentIDs: [document.id])
        #expect(!chunks.isEmpty)
        let sources = try folio.store.pageSources(documentID: document.id)
        #expect(sources.map(\.number) == [1, 2] && sources.allSatisfy { $0.source == "ocr" && $0.wordBoxes != nil })
        for chunk in chunks {
            let location = try folio.boxes(forChunk: chunk)
            #expect(location.placed, "\(chunk.chunkID): \(chunk.text)")
            for box in location.boxes where box.page == 1 {
                // writeScan draws lines from x = 56, baselines 72 + 16.5 n, as TestPDF.write does.
                #expect(abs(box.x0 - 56) < 3 && box.x1 > 300 && box.x1 < 560 && box.y0 > 55 && box.y1 < 220, "\(box)")
            }
            for box in location.boxes where box.page == 2 {
                // Turned a quarter clockwise: the lines run down the page, the first nearest the right edge.
                #expect(box.y0 > 50 && box.y1 - box.y0 > 200 && box.x0 > 600 && box.x1 < 842, "\(box)")
            }
        }
        let png = try folio.renderPage(documentID: document.id, page: 1, scale: 1, highlightChunkID: try #require(chunks.first).chunkID)
        let plain = try folio.renderPage(documentID: document.id, page: 1, scale: 1)
        #expect(png != plain)
    }

    @Test("a PDF moved away or changed since ingestion: an error naming the file that says to ingest it again")
    func movedOrChanged() throws {
        let url = try twoPagePDF()
        let (folio, document) = try ingested(url)
        let chunk = try #require(try folio.store.chunks(documentIDs: [document.id]).first)
        #expect(try folio.boxes(forChunk: chunk).placed)

        let aside = directory.appendingPathComponent("aside.pdf")
        try FileManager.default.moveItem(at: url, to: aside)
        do {
            _ = try folio.boxes(forChunk: chunk)
            Issue.record("no error for a missing file")
        } catch FolioEngineError.documentFileMissing(let path, let fileName) {
            #expect(path == url.path && fileName == "survey.pdf")
        }

        try TestPDF.write(pages: [["Another survey altogether, with other words."]], to: url)
        do {
            _ = try folio.pageInfo(documentID: document.id, page: 1)
            Issue.record("no error for a changed file")
        } catch let error as FolioEngineError {
            guard case .documentFileChanged(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == url.path)
            #expect(error.description.contains("folio ingest"))
        }
        #expect(throws: FolioEngineError.self) { try folio.pageInfo(documentID: 999, page: 1) }
    }

    @Test("concurrent calls give the same boxes and images as one at a time")
    func concurrent() throws {
        let (folio, document) = try ingested(try twoPagePDF())
        let chunks = try folio.store.chunks(documentIDs: [document.id])
        let expected = try chunks.map { try folio.boxes(forChunk: $0) }
        let image = try folio.renderPage(documentID: document.id, page: 2, scale: 1)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let chunk = chunks[i % chunks.count]
            let fresh = try? Folio(storeDirectory: directory.appendingPathComponent("store"), modelDirectory: { TestPaths.model })
            // Half the calls share one Folio (and its cache), half use their own.
            let engine = i.isMultiple(of: 2) ? folio : (fresh ?? folio)
            let boxes = try? engine.boxes(forChunk: chunk)
            let png = i.isMultiple(of: 4) ? try? engine.renderPage(documentID: document.id, page: 2, scale: 1) : image
            results.record(boxes == expected[i % chunks.count] && png == image)
        }
        #expect(results.all)
    }

    /// Outcomes recorded from concurrent closures; `lock` guards `values`.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Bool] = []
        func record(_ value: Bool) { lock.withLock { values.append(value) } }
        var all: Bool { lock.withLock { values.count == 16 && !values.contains(false) } }
    }

    @Test("a corpus paper ingested into a temporary store: its chunks placed, costs measured",
          .enabled(if: TestPaths.corpus != nil, "no corpus"))
    func corpusPaper() throws {
        let pdf = try #require(TestPaths.corpus).appendingPathComponent("attention-is-all-you-need.pdf")
        try #require(FileManager.default.fileExists(atPath: pdf.path))
        let (folio, document) = try ingested(pdf)
        let chunks = try folio.store.chunks(documentIDs: [document.id])
        let clock = ContinuousClock()
        var placed = 0
        let locating = try clock.measure {
            for chunk in chunks where try folio.boxes(forChunk: chunk).placed { placed += 1 }
        }
        #expect(Double(placed) >= 0.9 * Double(chunks.count), "\(placed)/\(chunks.count)")
        // The encoder's section: "3.2.1 Scaled Dot-Product Attention" is on page 4.
        let scaled = try #require(chunks.first { $0.text.contains("We call our particular attention") })
        let location = try folio.boxes(forChunk: scaled)
        #expect(location.placed && location.boxes.allSatisfy { scaled.pages.contains($0.page) })
        var png = Data()
        let rendering = try clock.measure {
            png = try folio.renderPage(documentID: document.id, page: scaled.pageStart, scale: 1.5, highlightChunkID: scaled.chunkID)
        }
        let info = try folio.pageInfo(documentID: document.id, page: scaled.pageStart)
        #expect(PageRenderingTestsSupport.pngSize(png).map { $0 == (Int((info.width * 1.5).rounded()), Int((info.height * 1.5).rounded())) } == true)
        print("attention: \(placed)/\(chunks.count) chunks placed; locating \(locating / chunks.count) a chunk (cached pages), "
              + "rendering page \(scaled.pageStart) at 1.5 with a highlight \(rendering)")
    }
}

enum PageRenderingTestsSupport {
    /// The width and height of a PNG's IHDR chunk, after checking the signature.
    static func pngSize(_ data: Data) -> (Int, Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        let int = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }
}
