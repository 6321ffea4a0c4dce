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

    @OptionGroup var ocr: OCRFlags

    @Option(name: .customLong("ocr-threads"), help: ArgumentHelp("Pages of one document read with OCR at once.", valueName: "n"))
    var ocrThreads = 1

    @Flag(help: "Serve requests (one JSON line each) from standard input until it closes.")
    var serve = false

    @Argument(help: ArgumentHelp("The PDF (without --serve).", valueName: "file"))
    var file: String?

    func validate() throws {
        if !serve && file == nil { throw ValidationError("give a PDF, or --serve") }
    }

    func run() throws {
        let vocabulary = URL(fileURLWithPath: self.vocabulary)
        var ocr = self.ocr.options
        ocr.threads = max(1, ocrThreads)
        if serve {
            ExtractionWorker.serve(vocabulary: vocabulary, options: chunking.options, ocr: ocr)
        } else if let file {
            FileHandle.standardOutput.write(ExtractionWorker.run(path: file, vocabulary: vocabulary, options: chunking.options, ocr: ocr))
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

extension OCRMode: ExpressibleByArgument {}

/// OCR options shared by `ingest` and the worker.
struct OCRFlags: ParsableArguments {
    @Option(name: .customLong("ocr"), help: ArgumentHelp(
        "When to read pages with OCR (Tesseract): auto, pages whose text layer is empty or unreadable; always; never.",
        valueName: "auto|always|never"))
    var mode = OCRMode.auto

    @Option(name: .customLong("ocr-lang"), help: ArgumentHelp(
        "Tesseract language(s) of the scans, e.g. eng or eng+deu (Debian package tesseract-ocr-LANG).",
        valueName: "lang"))
    var language = "eng"

    @Option(name: .customLong("ocr-dpi"), help: ArgumentHelp(
        "Resolution pages are rendered at for OCR (200 reads as well as 300, and faster).", valueName: "dpi"))
    var dpi = OCROptions.defaultDPI

    var options: OCROptions { OCROptions(mode: mode, language: language, dpi: dpi) }

    func validate() throws {
        if !(dpi >= 50 && dpi <= 600) { throw ValidationError("--ocr-dpi must be between 50 and 600") }
    }
}
