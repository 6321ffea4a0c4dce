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

    func run(folio: Folio, question: String, k: Int, documents: [String]) throws {
        let streamsToTerminal = stream && !json
        let generated = try folio.generate(question, k: k, documents: documents, client: client,
                                           contextTokens: contextTokens, stream: stream,
                                           onText: streamsToTerminal ? { piece in
                                               print(piece, terminator: "")
                                               fflush(stdout)
                                           } : nil)
        if json {
            Console.printJSON(object(generated))
        } else {
            printHuman(generated, streamed: streamsToTerminal)
        }
        if let failure = generated.failure {
            if json { Console.error("\(failure)") }  // human output printed it above the extractive answer
            throw Self.generationFailed
        }
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

    // MARK: JSON

    /// The extractive `ask` object plus `generator` (url, model, usage, seconds, error) and `generated`.
    private func object(_ generated: GeneratedAnswer) -> [String: Any] {
        let answer = generated.extractive
        // Exactly the extractive `ask --json` object, plus the generator and the checked generated answer.
        var object = answerJSON(answer)
        var generator: [String: Any] = ["url": client.completionsURL.absoluteString]
        generator["model"] = generated.completion?.model ?? client.model ?? NSNull()
        generator["seconds"] = generated.completion.map { $0.seconds } ?? NSNull()
        if let usage = generated.completion?.usage {
            generator["usage"] = ["prompt_tokens": usage.promptTokens ?? NSNull(),
                                  "completion_tokens": usage.completionTokens ?? NSNull(),
                                  "total_tokens": usage.totalTokens ?? NSNull()] as [String: Any]
        } else {
            generator["usage"] = NSNull()
        }
        if let failure = generated.failure { generator["error"] = "\(failure)" }
        generator["prompt_tokens_estimated"] = generated.prompt.estimatedTokens
        generator["sources_sent"] = generated.prompt.sources.count
        generator["sources_dropped"] = generated.prompt.droppedSources
        object["generator"] = generator

        guard let completion = generated.completion, let check = generated.check else {
            object["generated"] = NSNull()
            return object
        }
        var checked: [String: Any] = [
            "answer": check.text, "raw": completion.text, "finish_reason": completion.finishReason ?? NSNull(),
            "citations": generated.citations.map(citationJSON),
            "invalid_markers": check.invalidMarkers,
            "grounded": check.isGrounded,
            "sentences": check.sentences.map { sentence -> [String: Any] in
                ["text": sentence.text, "markers": sentence.markers, "verdict": sentence.verdict.rawValue,
                 "similarity": Double(sentence.similarity), "overlap": Double(sentence.overlap),
                 "support": Double(sentence.support)]
            },
        ]
        if check.hasNoValidCitation {
            checked["warning"] = "the generated answer cites none of the sources; the extractive answer is in \"answer\""
        } else if !check.isGrounded {
            checked["warning"] = "no sentence is supported by the source it cites; the extractive answer is in \"answer\""
        }
        object["generated"] = checked
        return object
    }

    private func citationJSON(_ citation: Citation) -> [String: Any] {
        ["marker": citation.marker, "chunk_id": citation.chunk.chunkID, "document": citation.chunk.fileName,
         "pages": citation.chunk.pages]
    }
}
