import ArgumentParser
import FolioEngine
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add PDFs (files or folders, searched recursively) to the store.",
        discussion: """
            Each PDF is read with Poppler in a worker process (two or more at once, one per core; a document \
            that crashes Poppler or runs past --timeout costs only itself), cleaned (ligatures folded, \
            hyphenation undone, running headers, footers, page numbers, arXiv stamps and contents pages \
            removed), cut into sentence-aware chunks that keep their page span and section heading, embedded \
            with all-MiniLM-L6-v2, and stored with its pages in one transaction: an interrupted run never leaves \
            half a document. A file already stored with the same content is skipped without being opened, unless \
            an older Folio or other --chunk-* settings made it: then it is extracted again ("replaced"). A \
            changed file replaces its old version; a moved file is recognized by its content. A file that fails \
            is named on stderr and the run goes on; the exit code is non-zero if any failed.

            Pages without a usable text layer (scans) are read with OCR (Tesseract, --ocr auto) inside the \
            workers, at --ocr-dpi, turned upright first when scanned sideways; their words keep their places, so \
            citations and highlights work as on any page. A file with no usable text even then is a failure.

            Examples:
              folio ingest paper.pdf
              folio ingest ~/papers ~/books/lbdl.pdf
              folio ingest --store ./demo-store Corpus/
              folio ingest --ocr-lang deu scans/
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Password for encrypted PDFs.")
    var password: String?

    @Option(help: ArgumentHelp("Seconds a document may go without finishing a page before it is given up.",
                               valueName: "seconds"))
    var timeout: Double = 120

    @Option(help: ArgumentHelp("Documents extracted at once (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @OptionGroup var chunking: ChunkingFlags

    @OptionGroup var ocr: OCRFlags

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: ArgumentHelp("PDF files or folders.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one PDF file or folder") }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let jobs, jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
    }

    /// This very binary, re-executed as `folio extract-worker` for each document.
    static var workerExecutable: URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        let argv0 = CommandLine.arguments.first ?? ""
        return argv0.contains("/") ? URL(fileURLWithPath: argv0).standardizedFileURL : nil
    }

    func run() throws {
        var anyFailed = false
        // A missing language is one clear line before any work, not a failure per file.
        if let problem = ocr.options.problem {
            Console.error(problem)
            throw ExitCode.failure
        }
        try reportingErrors {
            let folio = try storeOptions.open()
            folio.chunking = chunking.options
            let started = Date()
            var options = IngestOptions(password: password, timeout: timeout, workerExecutable: Self.workerExecutable,
                                        ocr: ocr.options)
            if let jobs { options.jobs = jobs }
            let report = try folio.ingest(paths: paths, options: options) { progress in
                guard progress.phase != "done" else { return Console.clearProgress() }
                if progress.phase == "embedding" && progress.chunksTotal > 0 {
                    Console.progress("[\(progress.completed + 1)/\(progress.total)] \(progress.currentFile): embedding \(progress.chunksDone) of \(progress.chunksTotal) chunks")
                } else if progress.phase == "extracting" {
                    Console.progress("\(progress.currentFile): extracting page \(progress.pagesDone) of \(progress.pagesTotal)")
                } else {
                    Console.progress("[\(progress.completed + 1)/\(progress.total)] \(progress.currentFile): \(progress.phase)")
                }
            }
            Console.clearProgress()
            let seconds = Date().timeIntervalSince(started)
            for message in report.pathErrors { Console.error(message) }
            for message in report.warnings { Console.error("warning: " + message) }
            for outcome in report.outcomes {
                switch outcome {
                case .failed(_, let message): Console.error(message)
                case .moved(let document, let from) where !json:
                    Console.note("\(document.fileName): known content, moved from \(from)")
                case .duplicate(let path, let original) where !json:
                    Console.note("\(path): same content as \(original), stored once")
                default: break
                }
            }
            anyFailed = report.failed > 0
            if json {
                Console.printJSON([
                    "ingested": report.ingested, "unchanged": report.unchanged, "failed": report.failed,
                    "chunks": report.chunks, "seconds": seconds,
                    "extracted": report.extractions, "warnings": report.warnings,
                    "documents": report.outcomes.map { outcome -> [String: Any] in
                        switch outcome {
                        case .ingested(let d, let replaced):
                            return ["path": d.path, "status": replaced ? "replaced" : "ingested", "chunks": d.chunkCount, "pages": d.pageCount]
                        case .unchanged(let d): return ["path": d.path, "status": "unchanged"]
                        case .moved(let d, let from): return ["path": d.path, "status": "moved", "from": from]
                        case .duplicate(let path, let original): return ["path": path, "status": "duplicate", "of": original]
                        case .failed(let path, let message): return ["path": path, "status": "failed", "error": message]
                        }
                    },
                ])
            } else {
                for outcome in report.outcomes {
                    if case .ingested(let d, let replaced) = outcome {
                        print("\(replaced ? "replaced" : "ingested") \(d.fileName): \(d.pageCount) pages, \(d.chunkCount) chunks")
                    }
                }
                var summary = "\(report.ingested) ingested, \(report.unchanged) unchanged, \(report.failed) failed"
                summary += String(format: " (%d chunks, %.1f s) into %@", report.chunks, seconds, folio.store.url.path)
                print(summary)
            }
        }
        if anyFailed { throw ExitCode.failure }
    }
}
