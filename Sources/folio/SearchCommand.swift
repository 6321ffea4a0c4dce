import ArgumentParser
import FolioEngine
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Show the stored chunks closest to a query, with document and pages.",
        discussion: """
            Examples:
              folio search "scaled dot-product attention"
              folio search "warmup steps" --k 3 --doc attention-is-all-you-need.pdf
              folio search "Adam bias correction" --json | jq '.results[0].pages'
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var indexOptions: IndexOptions

    @Option(help: "How many results.")
    var k = 10

    @Option(name: .customLong("doc"), help: ArgumentHelp("Only search this document (file name or path); repeatable.",
                                                         valueName: "file"))
    var documents: [String] = []

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Argument(help: "What to look for.")
    var query: String

    func validate() throws {
        guard k >= 1 && k <= 1000 else { throw ValidationError("--k must be between 1 and 1000") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the query is empty")
        }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            indexOptions.apply(to: folio)
            let results = try folio.search(query, k: k, documents: documents)
            if json {
                Console.printJSON(["query": query, "results": results.map(\.json)])
                return
            }
            if results.isEmpty { print("No results.") }
            for result in results {
                let header = String(format: "%2d. %.3f  %@ %@  \"%@\"", result.rank, result.score, result.chunk.fileName,
                                    pageLabel(result.chunk.pageStart, result.chunk.pageEnd), result.chunk.title)
                print(header)
                print("    [\(result.chunk.chunkID)] " + snippet(result.chunk.text, limit: 300))
                print()
            }
        }
    }
}

/// The first `limit` characters of `text`, cut at a word boundary.
func snippet(_ text: String, limit: Int) -> String {
    guard text.count > limit else { return text }
    let cut = text.prefix(limit)
    let end = cut.lastIndex(of: " ") ?? cut.endIndex
    return String(cut[..<end]) + " …"
}
