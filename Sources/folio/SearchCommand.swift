import ArgumentParser
import FolioEngine
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Show the stored chunks closest to a query, with document, pages and the matching sentence.",
        discussion: """
            Dense (MiniLM) and lexical (BM25) candidates are fused and re-scored by their best-matching sentences, \
            by how much of the query each chunk covers and by the document the query names; --mode dense|lexical \
            shows either retriever alone, and --show-scores shows the parts of each score.

            Examples:
              folio search "scaled dot-product attention"
              folio search "warmup steps" --k 3 --doc attention-is-all-you-need.pdf
              folio search "BERT-large parameters" --show-scores
              folio search "Adam bias correction" --json | jq '.results[0].pages'
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var retrievalOptions: RetrievalOptions
    @OptionGroup var indexOptions: IndexOptions

    @Option(help: "How many results.")
    var k = 10

    @Option(name: .customLong("doc"), help: ArgumentHelp("Only search this document (file name or path); repeatable.",
                                                         valueName: "file"))
    var documents: [String] = []

    @Flag(help: "Show the dense, lexical and re-scoring parts of each score.")
    var showScores = false

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
            retrievalOptions.apply(to: folio)
            indexOptions.apply(to: folio)
            let results = try folio.search(query, k: k, documents: documents)
            if json {
                Console.printJSON(["query": query, "results": results.map(\.json)])
                return
            }
            if results.isEmpty { print("No results.") }
            let highlighter = Highlighter(query: query, enabled: Console.stdoutIsTerminal)
            for result in results {
                print(resultHeader(result))
                let sentence = result.bestSentence ?? result.chunk.text
                print("    " + highlighter.highlight(snippet(sentence, limit: 320)))
                if showScores, let parts = result.parts { print("    " + scoreLine(parts)) }
                print()
            }
        }
    }
}

/// `rank. score  document pages  § section  "title"  [chunk id]`
func resultHeader(_ result: RetrievedChunk) -> String {
    let chunk = result.chunk
    var header = String(format: "%2d. %.3f  ", result.rank, result.score)
        + "\(chunk.fileName) \(pageLabel(chunk.pageStart, chunk.pageEnd))"
    if let section = chunk.section, !section.isEmpty { header += "  § \(section)" }
    if chunk.title != (chunk.fileName as NSString).deletingPathExtension { header += "  \"\(chunk.title)\"" }
    return header + "  [\(chunk.chunkID)]"
}

/// `dense 0.612  lexical 14.20  fused 0.874  window 0.52  name 1.00  coverage 0.83`
func scoreLine(_ parts: ScoreParts) -> String {
    var fields: [String] = []
    fields.append("dense " + (parts.dense.map { String(format: "%.3f", $0) } ?? "-"))
    fields.append("lexical " + (parts.lexical.map { String(format: "%.2f", $0) } ?? "-"))
    fields.append(String(format: "fused %.3f", parts.fused))
    if let window = parts.window { fields.append(String(format: "window %.2f", window)) }
    if let name = parts.name { fields.append(String(format: "name %.2f", name)) }
    if let coverage = parts.coverage { fields.append(String(format: "coverage %.2f", coverage)) }
    return fields.joined(separator: "  ")
}

/// Marks the words of a text that match the query: bold on a terminal, unchanged otherwise.
struct Highlighter {
    let query: LexicalQuery
    let enabled: Bool

    init(query: String, enabled: Bool) {
        self.query = LexicalQuery(query)
        self.enabled = enabled
    }

    func highlight(_ text: String) -> String {
        guard enabled else { return text }
        var out = ""
        var cursor = text.startIndex
        for range in query.matchingWordRanges(in: text) {
            out += text[cursor ..< range.lowerBound]
            out += "\u{1B}[1m" + text[range] + "\u{1B}[0m"
            cursor = range.upperBound
        }
        return out + text[cursor...]
    }
}

/// The first `limit` characters of `text`, cut at a word boundary.
func snippet(_ text: String, limit: Int) -> String {
    guard text.count > limit else { return text }
    let cut = text.prefix(limit)
    let end = cut.lastIndex(of: " ") ?? cut.endIndex
    return String(cut[..<end]) + " …"
}
