import ArgumentParser
import FolioEngine
import Foundation

struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "List the stored documents.",
        discussion: """
            Examples:
              folio docs
              folio docs --json
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print JSON on stdout.")
    var json = false

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            let documents = try folio.store.documents()
            let ocr = try folio.store.ocrSummary()
            let formatter = ISO8601DateFormatter()
            if json {
                Console.printJSON(["documents": documents.map { d -> [String: Any] in
                    var object: [String: Any] = [
                        "document": d.fileName, "path": d.path, "title": d.title, "author": d.author ?? NSNull(),
                        "pages": d.pageCount, "chunks": d.chunkCount, "sha256": d.sha256,
                        "ingested_at": formatter.string(from: d.ingestedAt), "ocr_pages": ocr[d.id]?.pages ?? 0,
                    ]
                    if let summary = ocr[d.id] { object["ocr_confidence"] = (summary.confidence * 10).rounded() / 10 }
                    return object
                }])
                return
            }
            if documents.isEmpty {
                print("No documents yet; add some with `folio ingest PATH...`.")
                return
            }
            let width = min(documents.map(\.fileName.count).max() ?? 10, 40)
            for d in documents {
                let name = d.fileName.padding(toLength: max(width, d.fileName.count), withPad: " ", startingAt: 0)
                // Where the text came from: `text`, or how many pages OCR read and their mean word confidence.
                let source = ocr[d.id].map { "ocr \($0.pages)p \(Int($0.confidence.rounded()))%" } ?? "text"
                print("\(name)  \(String(format: "%4d", d.pageCount)) pages  \(String(format: "%5d", d.chunkCount)) chunks  \(source)  \(d.title)")
            }
            let pages = documents.reduce(0) { $0 + $1.pageCount }
            let chunks = documents.reduce(0) { $0 + $1.chunkCount }
            print("\(documents.count) documents, \(pages) pages, \(chunks) chunks in \(folio.store.url.path)")
        }
    }
}
