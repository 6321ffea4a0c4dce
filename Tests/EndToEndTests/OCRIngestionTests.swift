import FolioStore
import FolioTestSupport
import Foundation
import Testing

/// Scans through the real `folio` binary: Poppler renders, Tesseract reads inside the extraction workers.
@Suite("OCR: scanned pages ingested like text pages", .serialized)
struct OCRIngestionTests {
    static let birds = [
        "Arctic terns migrate seventy thousand kilometres every year between",
        "the Arctic and the Antarctic, the longest migration of any animal.",
        "They see two summers each year and more daylight than any other bird.",
    ]
    static let baking = [
        "Sourdough bread rises because wild yeast and lactic acid bacteria in",
        "the starter ferment the flour and release carbon dioxide into the dough.",
        "A long cold proof gives the crumb its open texture and sour flavour.",
    ]
    static let volcano = [
        "Large volcanic eruptions inject sulfur dioxide into the stratosphere,",
        "where sulfate aerosols reflect sunlight and cool the planet for years.",
        "The eruption of Mount Pinatubo in 1991 cooled the globe by half a degree.",
    ]
    static let garden = [
        "Tomatoes need at least six hours of direct sunlight every day and",
        "deep watering twice a week once their first flowers have opened.",
    ]

    /// A page's lines and enough distinct prose after them that a chunk ends with the page.
    static func page(_ lines: [String], _ n: Int) -> [String] {
        lines + TestPDF.wrap((0..<6).map { TestPDF.distinctSentence(n * 10 + $0) }.joined(separator: " "), width: 70)
    }

    func chunks(_ folio: FolioBinary, store: String, document: String) throws -> [[String: Any]] {
        let object = try json(try folio.run(["chunks", "--store", store, "--doc", document, "--json"]).stdout)
        return object["chunks"] as? [[String: Any]] ?? []
    }

    @Test("image-only, mixed, sideways and text-over-image PDFs: OCR where the text layer is missing, the right page cited")
    func scans() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-ocr")
        defer { removeUnlessKept(root) }
        let input = root.appendingPathComponent("scans")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try TestPDF.writeScan([.image(Self.page(Self.baking, 1)), .image(Self.page(Self.birds, 2))],
                              to: input.appendingPathComponent("scan.pdf"))
        // The same pages as a text layer: the scan must be cited as this is.
        try TestPDF.writeScan([.text(Self.page(Self.baking, 1)), .text(Self.page(Self.birds, 2))],
                              to: input.appendingPathComponent("born digital.pdf"))
        try TestPDF.writeScan([.text(Self.page(Self.volcano, 3)), .image(Self.page(Self.garden, 4))],
                              to: input.appendingPathComponent("mixed.pdf"))
        try TestPDF.writeScan([.image(Self.birds, rotation: 90)], to: input.appendingPathComponent("sideways.pdf"))
        // A real text layer over a picture of other words: the text layer is kept, OCR is not run.
        try TestPDF.writeScan([.textOverImage(text: Self.volcano, image: Self.garden)],
                              to: input.appendingPathComponent("overlay.pdf"))
        let store = root.appendingPathComponent("store").path

        let ingest = try folio.run(["ingest", "--store", store, input.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("5 ingested, 0 unchanged, 0 failed"), "\(ingest.stdout)")

        let docs = try storedDocuments(folio, store: store)
        #expect(docs["scan.pdf"]?["ocr_pages"] as? Int == 2)
        #expect(docs["mixed.pdf"]?["ocr_pages"] as? Int == 1)
        #expect(docs["sideways.pdf"]?["ocr_pages"] as? Int == 1)
        #expect(docs["overlay.pdf"]?["ocr_pages"] as? Int == 0)
        #expect((docs["scan.pdf"]?["ocr_confidence"] as? Double ?? 0) > 80)
        let listing = try folio.run(["docs", "--store", store]).stdout
        #expect(listing.contains("ocr 2p"), "\(listing)")

        // The scan answers with the page the words were on.
        let ask = try json(try folio.run(["ask", "--store", store, "--json", "--doc", "scan.pdf", "How far do arctic terns migrate?"]).stdout)
        #expect(ask["abstained"] as? Bool == false, "\(ask)")
        #expect((ask["answer"] as? String)?.contains("seventy thousand kilometres") == true, "\(ask)")
        let citations = try #require(ask["citations"] as? [[String: Any]])
        #expect(citations.first?["document"] as? String == "scan.pdf")
        let pages = try #require(citations.first?["pages"] as? [Int])
        #expect(pages.contains(2), "\(pages)")
        let digital = try json(try folio.run(["ask", "--store", store, "--json", "--doc", "born digital.pdf",
                                              "How far do arctic terns migrate?"]).stdout)
        #expect((digital["citations"] as? [[String: Any]])?.first?["pages"] as? [Int] == pages, "\(digital)")

        // The mixed PDF keeps its text page and reads its image page.
        let mixed = try chunks(folio, store: store, document: "mixed.pdf")
        let text = mixed.filter { $0["source"] as? String == "text" }.compactMap { $0["text"] as? String }.joined()
        let ocr = mixed.filter { $0["source"] as? String == "ocr" }.compactMap { $0["text"] as? String }.joined()
        #expect(text.contains("Mount Pinatubo in 1991"), "\(mixed)")
        #expect(ocr.contains("six hours of direct sunlight"), "\(mixed)")
        #expect(mixed.contains { ($0["ocr_confidence"] as? Double ?? 0) > 80 })

        // The sideways page reads upright.
        let sideways = try chunks(folio, store: store, document: "sideways.pdf").compactMap { $0["text"] as? String }.joined()
        #expect(sideways.contains("longest migration of any animal"), "\(sideways)")

        // Text layer kept; the picture under it is not read.
        let overlay = try chunks(folio, store: store, document: "overlay.pdf")
        #expect(overlay.allSatisfy { $0["source"] as? String == "text" })
        let overlayText = overlay.compactMap { $0["text"] as? String }.joined()
        #expect(overlayText.contains("sulfate aerosols") && !overlayText.contains("Tomatoes"), "\(overlayText)")

        let human = try folio.run(["chunks", "--store", store, "--doc", "scan.pdf"]).stdout
        #expect(human.contains("ocr 9"), "\(human)")  // `ocr 9x%` in each chunk's header
        _ = try checkWholeDocuments(store: URL(fileURLWithPath: store))
    }

    @Test("--ocr never gives the old behaviour: a scan has no text to store and fails; a missing language is one clear line")
    func neverAndMissingLanguage() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-ocr-never")
        defer { removeUnlessKept(root) }
        let scan = root.appendingPathComponent("scan.pdf")
        try TestPDF.writeScan([.image(Self.birds)], to: scan)
        let text = root.appendingPathComponent("text.pdf")
        try TestPDF.write(pages: [Self.volcano], to: text)
        let store = root.appendingPathComponent("store").path

        let never = try folio.run(["ingest", "--store", store, "--ocr", "never", scan.path, text.path])
        #expect(never.status != 0)
        #expect(never.stderr.contains("scan.pdf: no usable text layer and OCR is off (--ocr never)"), "\(never.stderr)")
        #expect(never.stdout.contains("1 ingested, 0 unchanged, 1 failed"), "\(never.stdout)")
        #expect(Set(try storedDocuments(folio, store: store).keys) == ["text.pdf"])

        let missing = try folio.run(["ingest", "--store", store, "--ocr-lang", "zzz", scan.path])
        #expect(missing.status != 0)
        let lines = missing.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("tesseract-ocr-zzz"), "\(missing.stderr)")
        #expect(Set(try storedDocuments(folio, store: store).keys) == ["text.pdf"])
    }

    @Test("bad scans: a blank page, a corrupt image stream, a scan with a blank page: no crash, nothing half-stored")
    func badScans() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-ocr-bad")
        defer { removeUnlessKept(root) }
        let input = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try TestPDF.writeScan([.blank], to: input.appendingPathComponent("blank.pdf"))
        // One good scanned page, then one whose image data is broken.
        let good = root.appendingPathComponent("good.pdf")
        try TestPDF.writeScan([.image(Self.baking)], to: good)
        let broken = try #require(TestPDF.corruptingFirstImage([UInt8](try Data(contentsOf: good))))
        try Data(broken).write(to: input.appendingPathComponent("corrupt.pdf"))
        try TestPDF.writeScan([.image(Self.volcano), .blank], to: input.appendingPathComponent("half blank.pdf"))
        let store = root.appendingPathComponent("store").path

        let result = try folio.run(["ingest", "--store", store, "--json", input.path])
        #expect(result.status != 0, "\(result.stderr)")
        for message in result.stderr.split(separator: "\n") { #expect(message.hasPrefix("folio: "), "\(message)") }
        #expect(!result.stderr.contains("crashed"), "\(result.stderr)")
        #expect(result.stderr.contains("blank.pdf: no usable text, even with OCR"), "\(result.stderr)")
        let documents = try storedDocuments(folio, store: store)
        #expect(documents["blank.pdf"] == nil)
        #expect(documents["half blank.pdf"]?["pages"] as? Int == 2)
        let kept = try chunks(folio, store: store, document: "half blank.pdf").compactMap { $0["text"] as? String }.joined()
        #expect(kept.contains("Mount Pinatubo"), "\(kept)")
        // The corrupt image is stored with what could be read, or fails on its own line: never half a document.
        if documents["corrupt.pdf"] == nil { #expect(result.stderr.contains("corrupt.pdf")) }
        _ = try checkWholeDocuments(store: URL(fileURLWithPath: store))
    }
}
