import ArgumentParser
import FolioEngine
import Foundation

/// `folio extract-worker FILE`: the child process `folio ingest` runs for each document, so that a PDF that
/// crashes or hangs Poppler costs only itself. Writes one JSON reply on stdout. Not for direct use.
struct ExtractWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-worker",
        abstract: "Extract and chunk one PDF in a child process (used by `folio ingest`).",
        shouldDisplay: false)

    @Option(help: ArgumentHelp("The model's vocab.txt.", valueName: "file"))
    var vocabulary: String

    @OptionGroup var chunking: ChunkingFlags

    @Flag(help: "Serve requests (one JSON line each) from standard input until it closes.")
    var serve = false

    @Argument(help: ArgumentHelp("The PDF (without --serve).", valueName: "file"))
    var file: String?

    func validate() throws {
        if !serve && file == nil { throw ValidationError("give a PDF, or --serve") }
    }

    func run() throws {
        let vocabulary = URL(fileURLWithPath: self.vocabulary)
        if serve {
            ExtractionWorker.serve(vocabulary: vocabulary, options: chunking.options)
        } else if let file {
            FileHandle.standardOutput.write(ExtractionWorker.run(path: file, vocabulary: vocabulary, options: chunking.options))
        }
    }
}

/// Chunk-size options shared by `ingest` and the worker.
struct ChunkingFlags: ParsableArguments {
    @Option(name: .customLong("chunk-target"), help: ArgumentHelp(
        "Close a chunk at the first sentence end after this many tokens.", valueName: "tokens"))
    var target = ChunkingOptions().targetTokens

    @Option(name: .customLong("chunk-max"), help: ArgumentHelp(
        "Most tokens the encoder sees per chunk, context header included (the model's window is 256).",
        valueName: "tokens"))
    var max = ChunkingOptions().maxTokens

    @Option(name: .customLong("chunk-overlap"), help: ArgumentHelp(
        "Sentences repeated at the start of the next chunk.", valueName: "sentences"))
    var overlap = ChunkingOptions().overlapSentences

    var options: ChunkingOptions {
        ChunkingOptions(targetTokens: target, maxTokens: max, overlapSentences: overlap)
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
    }
}
