import ArgumentParser
import FolioEngine
import FolioStore
import Foundation

struct ChunksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunks",
        abstract: "Inspect stored chunks: id, page span, token count and text.",
        discussion: """
            Examples:
              folio chunks --doc bert.pdf --page 3
              folio chunks --id 500f25e3f152-12
              folio chunks --doc lora.pdf --json
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("doc"), help: ArgumentHelp("Only chunks of this document; repeatable.", valueName: "file"))
    var documents: [String] = []

    @Option(help: "Only chunks that span this 1-based page.")
    var page: Int?

    @Option(name: .customLong("id"), help: ArgumentHelp("Only the chunk with this id.", valueName: "chunk-id"))
    var chunkID: String?

    @Option(help: "At most this many chunks.")
    var limit: Int?

    @Flag(help: "Print JSON on stdout.")
    var json = false

    func validate() throws {
        if let page, page < 1 { throw ValidationError("--page is 1-based") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            let ids = try folio.documentIDs(named: documents)
            let chunks = try folio.store.chunks(documentIDs: ids, page: page, chunkID: chunkID, limit: limit)
            // OCR pages of the documents shown, by (document, page): their mean word confidence.
            var ocr: [Int64: [Int: Double]] = [:]
            for id in Set(chunks.map(\.documentID)) {
                ocr[id] = Dictionary(uniqueKeysWithValues: try folio.store.pageSources(documentID: id)
                    .map { ($0.number, $0.confidence ?? 0) })
            }
            /// `text`, or `ocr` with the lowest confidence among the chunk's OCR pages.
            func source(_ chunk: ChunkRecord) -> (name: String, confidence: Double?) {
                let read = chunk.pages.compactMap { ocr[chunk.documentID]?[$0] }
                return read.isEmpty ? ("text", nil) : ("ocr", read.min())
            }
            if json {
                Console.printJSON(["chunks": chunks.map { chunk -> [String: Any] in
                    var object: [String: Any] = [
                        "chunk_id": chunk.chunkID, "document": chunk.fileName, "title": chunk.title,
                        "ordinal": chunk.ordinal, "pages": chunk.pages, "token_count": chunk.tokenCount, "text": chunk.text,
                        "source": source(chunk).name,
                    ]
                    if let confidence = source(chunk).confidence { object["ocr_confidence"] = (confidence * 10).rounded() / 10 }
                    if let section = chunk.section { object["section"] = section }
                    return object
                }])
                return
            }
            if chunks.isEmpty {
                Console.note("no chunks match")
                return
            }
            for chunk in chunks {
                var header = "\(chunk.chunkID)  \(chunk.fileName) \(pageLabel(chunk.pageStart, chunk.pageEnd))  \(chunk.tokenCount) tokens"
                if let confidence = source(chunk).confidence { header += "  ocr \(Int(confidence.rounded()))%" }
                if let section = chunk.section { header += "  § \(section)" }
                print(header)
                print(chunk.text)
                print()
            }
        }
    }
}
