import ArgumentParser
import FolioEngine
import Foundation

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from the stored documents, citing document and pages.",
        discussion: """
            The answer is the one to three sentences of the best-matching chunks that best match the question, \
            in reading order, each followed by its source marker [n]; the sources are listed below it. When the \
            best passage does not cover the question, Folio says the documents do not answer it and shows the \
            closest passages.

            Without a question, Folio asks for questions one after another (with line editing and history on a \
            terminal): :chunks shows the full text of the last answer's sources, :quit (or Ctrl-D) ends.

            Examples:
              folio ask "What optimizer was used to train the Transformer?"
              folio ask "What is LoRA's rank r?" --doc lora.pdf --show-chunks
              folio ask "How many parameters does BERT-large have?" --json
              folio ask
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var retrievalOptions: RetrievalOptions

    @OptionGroup(title: "Generated answers") var llmOptions: LLMOptions
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

    @Argument(help: "The question; without one, an interactive session starts.")
    var question: String?

    func validate() throws {
        guard k >= 1 && k <= 100 else { throw ValidationError("--k must be between 1 and 100") }
        if let question, question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the question is empty")
        }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            retrievalOptions.apply(to: folio)
            indexOptions.apply(to: folio)
            guard let question else { return try interactive(folio) }
            if let client = try llmOptions.client() {
                return try GeneratedAnswerPrinter(client: client, contextTokens: llmOptions.contextTokens,
                                                  stream: !llmOptions.noStream, json: json, showChunks: showChunks)
                    .run(folio: folio, question: question, k: k, documents: documents)
            }
            let answer = try folio.ask(question, k: k, documents: documents)
            if json {
                Console.printJSON(answer.json)
            } else {
                printAnswer(answer, showChunks: showChunks)
            }
        }
    }

    /// Question after question until `:quit` or end of input.
    func interactive(_ folio: Folio) throws {
        let input = LineReader()
        if input.isTerminal {
            Console.note("Ask a question about your documents. :chunks shows the last sources in full, :quit ends.")
        }
        var last: Answer?
        while let line = input.readLine(prompt: "folio> ") {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            switch text {
            case "":
                continue
            case ":quit", ":q", ":exit":
                return
            case ":chunks":
                guard let last else { Console.note("no answer yet; ask a question first"); continue }
                printChunks(last)
                continue
            case ":help", ":h", "?":
                Console.note(":chunks  full text of the last answer's sources\n:quit    end the session")
                continue
            default:
                if text.hasPrefix(":") {
                    Console.note("unknown command \(text); :chunks or :quit")
                    continue
                }
            }
            input.remember(text)
            do {
                let answer = try folio.ask(text, k: k, documents: documents)
                if json { Console.printJSON(answer.json) } else { printAnswer(answer, showChunks: showChunks) }
                last = answer
            } catch {
                Console.error("\(error)")
            }
            if !json { print() }
        }
    }
}

func printAnswer(_ answer: Answer, showChunks: Bool) {
    print(highlighted(answer.text, span: answer.answerSpan))
    print()
    if answer.abstained {
        print("Closest passages:")
        for result in answer.results.prefix(3) {
            print("  [\(result.rank)] \(result.chunk.fileName) \(pageLabel(result.chunk.pageStart, result.chunk.pageEnd)) \"\(result.chunk.title)\"")
            print("      " + snippet(result.bestSentence ?? result.chunk.text, limit: 200))
        }
        return
    }
    print("Sources:")
    for citation in answer.citations { printSource(citation, showChunks: showChunks) }
}

/// `text` with the first occurrence of `span` in bold and underlined when stdout is a terminal (plain otherwise,
/// so piped output stays text).
func highlighted(_ text: String, span: String?) -> String {
    guard let span, !span.isEmpty, isatty(STDOUT_FILENO) != 0, ProcessInfo.processInfo.environment["NO_COLOR"] == nil,
          let range = text.range(of: span) else { return text }
    return text[..<range.lowerBound] + "\u{1B}[1;4m" + text[range] + "\u{1B}[0m" + text[range.upperBound...]
}

/// One numbered source: document, pages and title; with `showChunks`, the chunk's id, token count and text too.
func printSource(_ citation: Citation, showChunks: Bool) {
    let chunk = citation.chunk
    print("  [\(citation.marker)] \(chunk.fileName) \(pageLabel(chunk.pageStart, chunk.pageEnd)) \"\(chunk.title)\"")
    if showChunks {
        print("      chunk \(chunk.chunkID), \(chunk.tokenCount) tokens:")
        print("      " + chunk.text)
        print()
    }
}

/// The full text of an answer's sources (or, after an abstention, of the closest passages).
func printChunks(_ answer: Answer) {
    let chunks = answer.abstained
        ? answer.results.prefix(3).map { ($0.rank, $0.chunk) }
        : answer.citations.map { ($0.marker, $0.chunk) }
    for (marker, chunk) in chunks {
        print("[\(marker)] \(chunk.fileName) \(pageLabel(chunk.pageStart, chunk.pageEnd)), chunk \(chunk.chunkID), \(chunk.tokenCount) tokens:")
        print(chunk.text)
        print()
    }
}
