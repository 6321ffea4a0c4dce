@testable import FolioEngine
import FolioStore
import FolioTestSupport
import Foundation
import Testing

/// The per-document facts a question needs are kept at ingest, so a question's cost does not grow with the library.
@Suite("per-document facts kept at ingest",
       .enabled(if: FileManager.default.fileExists(atPath: TestPaths.model.appendingPathComponent("vocab.txt").path),
                "all-MiniLM-L6-v2 not found; run Models/fetch"))
struct DocumentFactsTests {
    @Test("ingest stores the names a PDF introduces; retrieval reads them from the store, else from the opening")
    func introducedNames() throws {
        let directory = try TestPaths.temporaryDirectory("folio-facts")
        defer { try? FileManager.default.removeItem(at: directory) }
        let storeDirectory = directory.appendingPathComponent("store")
        // A document stored without its names, as a store made before they were kept holds it.
        let model = try encoder()
        let oldText = "In this paper we present Nimbus, a cloud classifier for satellite images."
        let old = try FolioStore(directory: storeDirectory).insert(NewDocument(
            path: "/papers/nimbus.pdf", fileName: "nimbus.pdf", sha256: String(repeating: "a", count: 64),
            title: "Clouds", author: nil, pages: [(1, oldText)],
            chunks: [NewChunk(ordinal: 0, pageStart: 1, pageEnd: 1, section: nil, text: oldText, tokenCount: 14,
                              embedding: model.embed(oldText))]))

        let folio = try Folio(storeDirectory: storeDirectory, modelDirectory: { TestPaths.model })
        #expect(try folio.store.introducedNames()[old.id] == nil)
        let retriever = Retriever(store: folio.store, encoder: model)
        #expect(try retriever.introducedNames(of: [old])[old.id] == ["Nimbus"])  // read from its opening

        let pdf = directory.appendingPathComponent("zephyr.pdf")
        try TestPDF.write(pages: [[
            "We introduce a new forecasting model called Zephyr, which reads radar images.",
            "Zephyr predicts rain an hour ahead on every square kilometre of the map.",
        ] + (1 ... 10).map { TestPDF.distinctSentence($0) }], to: pdf)
        let report = try folio.ingest(paths: [pdf.path], options: IngestOptions(jobs: 1))
        try #require(report.ingested == 1, "\(report.outcomes)")
        let zephyr = try #require(try folio.store.documents().first { $0.fileName == "zephyr.pdf" })
        let stored = try folio.store.introducedNames()
        #expect(stored[zephyr.id] == ["Zephyr"])  // found at ingest
        #expect(stored[old.id] == ["Nimbus"])  // and the old document's filled in by that ingest

        // What is stored is what retrieval uses, not a fresh reading of the opening.
        try folio.store.setIntroducedNames([zephyr.id: ["Stored"]])
        #expect(try retriever.introducedNames(of: [zephyr, old]) == [zephyr.id: ["Stored"], old.id: ["Nimbus"]])
    }
}
