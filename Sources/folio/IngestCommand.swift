import ArgumentParser
import FolioEngine
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add PDFs (files or folders, searched recursively) to the store.",
        discussion: """
            Each PDF is read with Poppler, cut into chunks of at most 256 tokens that keep their page span, \
            embedded with all-MiniLM-L6-v2, and stored with its pages in one transaction: an interrupted run \
            never leaves half a document. A file already stored with the same content is skipped; a changed file \
            replaces its old version. A file that fails is named on stderr and the run goes on; the exit code \
            is non-zero if any failed.

            Examples:
              folio ingest paper.pdf
              folio ingest ~/papers ~/books/lbdl.pdf
              folio ingest --store ./demo-store Corpus/
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Password for encrypted PDFs.")
    var password: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: ArgumentHelp("PDF files or folders.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one PDF file or folder") }
    }

    func run() throws {
        var anyFailed = false
        try reportingErrors {
            let folio = try storeOptions.open()
            let started = Date()
            let report = try folio.ingest(paths: paths, password: password) { progress in
                guard progress.phase != "done" else { return Console.clearProgress() }
                Console.progress("[\(progress.completed + 1)/\(progress.total)] \(progress.currentFile): \(progress.phase)")
            }
            Console.clearProgress()
            let seconds = Date().timeIntervalSince(started)
            for message in report.pathErrors { Console.error(message) }
            for outcome in report.outcomes {
                switch outcome {
                case .failed(_, let message): Console.error(message)
                case .skipped(_, let message): Console.error("warning: " + message)
                case .moved(let document, let from) where !json:
                    Console.note("\(document.fileName): known content, moved from \(from)")
                default: break
                }
            }
            anyFailed = report.failed > 0
            if json {
                Console.printJSON([
                    "ingested": report.ingested, "unchanged": report.unchanged, "failed": report.failed,
                    "skipped": report.skipped, "chunks": report.chunks, "seconds": seconds,
                    "documents": report.outcomes.map { outcome -> [String: Any] in
                        switch outcome {
                        case .ingested(let d, let replaced):
                            return ["path": d.path, "status": replaced ? "replaced" : "ingested", "chunks": d.chunkCount, "pages": d.pageCount]
                        case .unchanged(let d): return ["path": d.path, "status": "unchanged"]
                        case .moved(let d, let from): return ["path": d.path, "status": "moved", "from": from]
                        case .failed(let path, let message): return ["path": path, "status": "failed", "error": message]
                        case .skipped(let path, let message): return ["path": path, "status": "skipped", "warning": message]
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
                if report.skipped > 0 { summary += ", \(report.skipped) skipped" }
                summary += String(format: " (%d chunks, %.1f s) into %@", report.chunks, seconds, folio.store.url.path)
                print(summary)
            }
        }
        if anyFailed { throw ExitCode.failure }
    }
}
