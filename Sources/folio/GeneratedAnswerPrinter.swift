import ArgumentParser
import FolioEngine
import FolioLLM
import Foundation

/// Runs and prints `folio ask --llm`: the streamed answer, its citation check and its sources; on failure a
/// one-line error on stderr, the extractive answer on stdout and exit code 3.
struct GeneratedAnswerPrinter {
    /// The exit code when generation failed (the extractive answer was printed instead).
    static let generationFailed = ExitCode(3)

    var client: ChatClient
    var contextTokens: Int
    var stream: Bool
    var json: Bool
    var showChunks: Bool

    /// - Parameter conversation: the conversation the question continues (the LLM first rewrites a follow-up as a
    ///   standalone question); the returned one has the turn added, and a named one keeps it in the store.
    @discardableResult
    func run(folio: Folio, question: String, k: Int, documents: [String],
             conversation: Conversation? = nil) throws -> Conversation? {
        let streamsToTerminal = stream && !json
        let onText: ((String) -> Void)? = streamsToTerminal ? { piece in
            // Unbuffered, so each piece shows as it arrives.
            FileHandle.standardOutput.write(Data(piece.utf8))
        } : nil
        let ids = try folio.documentIDs(named: documents)
        let generated: GeneratedAnswer
        var answered: ConversationAnswer? = nil
        if let conversation {
            (generated, answered) = try folio.generate(question, k: k, documentIDs: ids, in: conversation, client: client,
                                                       contextTokens: contextTokens, stream: stream, onText: onText,
                                                       onRead: { reading in if !json { printReading(reading) } })
            if let name = conversation.name, let turn = answered?.conversation.turns.last { try folio.keep(turn, in: name) }
        } else {
            generated = try folio.generate(question, k: k, documentIDs: ids, client: client, contextTokens: contextTokens,
                                           stream: stream, onText: onText)
        }
        if json {
            let object = generated.json(client: client)
            Console.printJSON(answered?.decorate(object) ?? object)
        } else {
            printHuman(generated, streamed: streamsToTerminal)
        }
        if let failure = generated.failure {
            if json { Console.error("\(failure)") }  // human output printed it above the extractive answer
            throw Self.generationFailed
        }
        return answered?.conversation ?? conversation
    }

    // MARK: human output

    private func printHuman(_ generated: GeneratedAnswer, streamed: Bool) {
        if generated.prompt.droppedSources > 0 {
            Console.note("note: \(generated.prompt.droppedSources) lower-ranked source(s) left out to fit --llm-context \(contextTokens)")
        }
        guard let completion = generated.completion, let check = generated.check else {
            // Failed: the error line follows on stderr; the extractive answer is the answer.
            if let failure = generated.failure { Console.error("\(failure)") }
            Console.note("The extractive answer:")
            printAnswer(generated.extractive, showChunks: showChunks)
            return
        }
        if streamed {
            print()
        } else {
            print(check.text)
        }
        print()
        if !check.invalidMarkers.isEmpty {
            let list = check.invalidMarkers.map { "[\($0)]" }.joined(separator: " ")
            print("Removed citation markers that point to no source: \(list)")
        }
        if check.hasNoValidCitation {
            print("Warning: the generated answer cites none of the \(generated.prompt.sources.count) sources, so "
                  + "Folio cannot check it against your documents. The extractive answer:")
            print()
            printAnswer(generated.extractive, showChunks: showChunks)
        } else {
            let unsupported = check.unsupported
            let cited = check.sentences.filter { $0.verdict != .uncited }.count
            if unsupported.isEmpty {
                print("Citation check: every cited sentence (\(cited)) is supported by its source.")
            } else {
                print("Citation check: \(unsupported.count) of \(cited) cited sentences not supported by the source they cite:")
                for sentence in unsupported {
                    let markers = sentence.markers.map { "[\($0)]" }.joined()
                    print("  ! \"\(sentence.text)\" \(markers) (similarity \(format(sentence.similarity)), "
                          + "word overlap \(format(sentence.overlap)))")
                }
            }
            let uncited = check.sentences.filter { $0.verdict == .uncited }.count
            if uncited > 0 { print("  \(uncited) sentence(s) cite no source.") }
            print()
            print("Sources:")
            for citation in generated.citations { printSource(citation, showChunks: showChunks) }
            if !check.isGrounded {
                print()
                print("Warning: no sentence of the generated answer is supported by the source it cites. "
                      + "The extractive answer:")
                print()
                printAnswer(generated.extractive, showChunks: showChunks)
            }
        }
        var stats = "model \(completion.model ?? "?"): "
        if let usage = completion.usage, let prompt = usage.promptTokens, let generatedTokens = usage.completionTokens {
            stats += "\(prompt) prompt + \(generatedTokens) generated tokens, "
        }
        stats += String(format: "%.1f s", completion.seconds)
        Console.note(stats)
    }

    private func format(_ value: Float) -> String { String(format: "%.2f", value) }
}
