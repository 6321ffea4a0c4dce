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
            terminal) as a conversation: a follow-up ("And the decoder?", "Which optimizer did they use?") is read \
            in the light of the turns before it, and "Read as: …" above the answer shows how. :new starts a new \
            conversation, :chunks shows the full text of the last answer's sources, :quit (or Ctrl-D) ends.

            --conversation NAME continues (or starts) a conversation kept in the store, so a follow-up asked by \
            another process is read in its light too; `folio conversations` lists them. With --llm, the LLM first \
            rewrites a follow-up as a standalone question (Folio's own reading when it fails).

            Examples:
              folio ask "What optimizer was used to train the Transformer?"
              folio ask "What is LoRA's rank r?" --doc lora.pdf --show-chunks
              folio ask "How many parameters does BERT-large have?" --json
              folio ask --conversation paper "How many heads does the Transformer use?"
              folio ask --conversation paper "And how many layers does its encoder have?"
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

    @Option(help: ArgumentHelp("Continue (or start) this conversation, kept in the store.", valueName: "name"))
    var conversation: String?

    @Argument(help: "The question; without one, an interactive session starts.")
    var question: String?

    func validate() throws {
        guard k >= 1 && k <= 100 else { throw ValidationError("--k must be between 1 and 100") }
        if let question, question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the question is empty")
        }
        if let conversation {
            try ConversationsCommand.validateName(conversation)
        }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            retrievalOptions.apply(to: folio)
            indexOptions.apply(to: folio)
            guard let question else { return try interactive(folio) }
            if let client = try llmOptions.client() {
                try GeneratedAnswerPrinter(client: client, contextTokens: llmOptions.contextTokens,
                                           stream: !llmOptions.noStream, json: json, showChunks: showChunks)
                    .run(folio: folio, question: question, k: k, documents: documents,
                         conversation: try conversation.map { try folio.conversation(named: $0) })
                return
            }
            if let conversation {
                let answered = try folio.ask(question, k: k, documentIDs: try folio.documentIDs(named: documents),
                                             conversationNamed: conversation)
                if json {
                    Console.printJSON(answered.json)
                } else {
                    printReading(answered.reading)
                    printAnswer(answered.answer, showChunks: showChunks)
                }
                return
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
            Console.note("Ask a question about your documents; follow-ups are read in the light of the conversation. "
                         + ":new starts afresh, :chunks shows the last sources in full, :quit ends.")
        }
        let client = try llmOptions.client()
        var session = try conversation.map { try folio.conversation(named: $0) } ?? Conversation()
        let ids = try folio.documentIDs(named: documents)
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
            case ":new":
                // A named conversation stays in the store as it is; the session goes on with a new one.
                session = Conversation()
                last = nil
                Console.note("new conversation")
                continue
            case ":help", ":h", "?":
                Console.note(":new     start a new conversation\n:chunks  full text of the last answer's sources\n:quit    end the session")
                continue
            default:
                if text.hasPrefix(":") {
                    Console.note("unknown command \(text); :new, :chunks or :quit")
                    continue
                }
            }
            input.remember(text)
            do {
                if let client {
                    session = try GeneratedAnswerPrinter(client: client, contextTokens: llmOptions.contextTokens,
                                                         stream: !llmOptions.noStream, json: json, showChunks: showChunks)
                        .run(folio: folio, question: text, k: k, documents: documents, conversation: session) ?? session
                    continue
                }
                let answered = try folio.ask(text, k: k, documentIDs: ids, in: session)
                if let name = session.name, let turn = answered.conversation.turns.last { try folio.keep(turn, in: name) }
                session = answered.conversation
                if json {
                    Console.printJSON(answered.json)
                } else {
                    printReading(answered.reading)
                    printAnswer(answered.answer, showChunks: showChunks)
                }
                last = answered.answer
            } catch let exit as ExitCode where exit == GeneratedAnswerPrinter.generationFailed {
                // The extractive answer was printed; the session goes on.
            } catch {
                Console.error("\(error)")
            }
            if !json { print() }
        }
    }
}

/// `Read as: …` when a follow-up was read in the light of the conversation (nothing for a question read alone).
func printReading(_ reading: FollowUpReading) {
    if reading.method != .alone || reading.readAs != reading.query {
        print("Read as: \(reading.readAs)")
    }
    if let failure = reading.condenseFailure {
        Console.note("note: the LLM did not rewrite the follow-up (\(failure)); read without it")
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
