import ArgumentParser
import FolioEngine
import Foundation

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from the stored documents, citing document and pages.",
        discussion: """
            The answer is the sentences of the best-matching chunks that are closest to the question, each \
            followed by its source marker [n]; the sources are listed below it. When nothing stored is close \
            enough, Folio says the documents do not answer the question and shows the closest passages.

            Examples:
              folio ask "What optimizer was used to train the Transformer?"
              folio ask "What is LoRA's rank r?" --doc lora.pdf --show-chunks
              folio ask "How many parameters does BERT-large have?" --json
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var indexOptions: IndexOptions

    @Option(help: "How many chunks to retrieve.")
    var k = 5

    @Option(name: .customLong("doc"), help: ArgumentHelp("Only use this document (file name or path); repeatable.",
                                                         valueName: "file"))
    var documents: [String] = []

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Flag(help: "Print the full text of each cited chunk.")
    var showChunks = false

    @Argument(help: "The question.")
    var question: String

    func validate() throws {
        guard k >= 1 && k <= 100 else { throw ValidationError("--k must be between 1 and 100") }
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the question is empty")
        }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            indexOptions.apply(to: folio)
            let answer = try folio.ask(question, k: k, documents: documents)
            if json {
                Console.printJSON([
                    "question": answer.question, "answer": answer.text, "abstained": answer.abstained,
                    "citations": answer.citations.map {
                        ["marker": $0.marker, "chunk_id": $0.chunk.chunkID, "document": $0.chunk.fileName,
                         "pages": $0.chunk.pages] as [String: Any]
                    },
                    "results": answer.results.map(\.json),
                ])
                return
            }
            print(answer.text)
            print()
            if answer.abstained {
                print("Closest passages:")
                for result in answer.results.prefix(3) {
                    print("  [\(result.rank)] \(result.chunk.fileName) \(pageLabel(result.chunk.pageStart, result.chunk.pageEnd)) \"\(result.chunk.title)\"")
                    print("      " + snippet(result.chunk.text, limit: 200))
                }
                return
            }
            print("Sources:")
            for citation in answer.citations {
                let chunk = citation.chunk
                print("  [\(citation.marker)] \(chunk.fileName) \(pageLabel(chunk.pageStart, chunk.pageEnd)) \"\(chunk.title)\"")
                if showChunks {
                    print("      chunk \(chunk.chunkID), \(chunk.tokenCount) tokens:")
                    print("      " + chunk.text)
                    print()
                }
            }
        }
    }
}
