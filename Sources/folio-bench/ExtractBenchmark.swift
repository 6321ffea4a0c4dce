import ArgumentParser
import FolioEngine
import FolioPDF
import FolioTokenizer
import Foundation

/// Pages per second of Folio's extraction + normalization + chunking, against `pdftotext` on the same files in
/// the same run.
///
/// Folio is measured as `folio ingest` runs it: one `folio extract-worker` process per document, `--jobs` at
/// once. `pdftotext` is measured one file at a time (how it is normally run) and, for a like-for-like figure,
/// with the same number of processes at once.
struct ExtractBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extraction + normalization + chunking pages/s, side by side with pdftotext.",
        discussion: "Example: folio-bench extract Corpus/ --runs 3")

    @Argument(help: "PDF files or folders (default: Corpus/).")
    var paths: [String] = ["Corpus"]

    @Option(help: "Repetitions; the median is reported.")
    var runs = 3

    @Option(help: "Model folder (for the tokenizer that counts chunk tokens).")
    var model: String?

    @Option(help: "Documents at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The folio binary to run as the extraction worker (default: next to folio-bench).")
    var folio: String?

    @Flag(help: "Also time extraction in this process, one document after another.")
    var inProcess = false

    @Flag(help: "Skip the pdftotext reference.")
    var noReference = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let files = Bench.pdfs(in: paths)
        guard !files.isEmpty else { throw ValidationError("no PDFs in \(paths.joined(separator: ", "))") }
        let modelDirectory = try FolioPaths.modelDirectory(explicit: model)
        let vocabulary = modelDirectory.appendingPathComponent("vocab.txt")
        let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabulary)
        let executable = URL(fileURLWithPath: folio ?? Self.sibling("folio"))
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ValidationError("no folio binary at \(executable.path); build it (swift build -c release) or pass --folio")
        }
        let workers = WorkerProcessExtractor(executable: executable, vocabulary: vocabulary, options: ChunkingOptions())
        let local = InProcessExtractor(preparer: DocumentPreparer(tokenizer: tokenizer))
        var pages = 0, chunks = 0
        var folioTimes: [Double] = [], localTimes: [Double] = [], serialTimes: [Double] = [], parallelTimes: [Double] = []
        for _ in 0..<max(runs, 1) {
            var results: [ExtractionResult] = []
            folioTimes.append(Bench.time { results = ParallelExtraction.run(files: files, jobs: jobs, extractor: workers) })
            pages = 0
            chunks = 0
            for case .prepared(let document) in results {
                pages += document.pages.count
                chunks += document.chunks.count
            }
            if inProcess {
                localTimes.append(Bench.time { for file in files { _ = local.prepare(file: file, password: nil) } })
            }
            if !noReference {
                serialTimes.append(try Bench.time {
                    for file in files { try Bench.run("/usr/bin/pdftotext", [file.path, "/dev/null"]) }
                })
                parallelTimes.append(Bench.time {
                    DispatchQueue.concurrentPerform(iterations: jobs) { lane in
                        for file in files.enumerated() where file.offset % jobs == lane {
                            _ = try? Bench.run("/usr/bin/pdftotext", [file.element.path, "/dev/null"])
                        }
                    }
                })
            }
        }
        let rate = { (times: [Double]) in times.isEmpty ? nil : Double(pages) / Bench.median(times) }
        let folioRate = rate(folioTimes)!
        let serial = rate(serialTimes), parallel = rate(parallelTimes), inProcessRate = rate(localTimes)
        if json {
            var object: [String: Any] = ["files": files.count, "pages": pages, "chunks": chunks, "jobs": jobs,
                                         "folio_pages_per_s": folioRate, "peak_rss_mb": Bench.peakRSSMiB()]
            if let inProcessRate { object["folio_in_process_pages_per_s"] = inProcessRate }
            if let serial, let parallel {
                object["pdftotext_pages_per_s"] = serial
                object["pdftotext_parallel_pages_per_s"] = parallel
                object["ratio"] = folioRate / serial
                object["ratio_parallel"] = folioRate / parallel
            }
            Bench.printJSON(object)
            return
        }
        print("\(files.count) files, \(pages) pages, \(chunks) chunks; median of \(runs) runs; \(jobs) jobs")
        print(String(format: "folio (workers, %d at once)      %8.1f pages/s", jobs, folioRate))
        if let inProcessRate { print(String(format: "folio (in process, 1 at a time) %8.1f pages/s", inProcessRate)) }
        if let serial, let parallel {
            print(String(format: "pdftotext (1 at a time)         %8.1f pages/s   ratio %.2fx", serial, folioRate / serial))
            print(String(format: "pdftotext (%d at once)           %8.1f pages/s   ratio %.2fx", jobs, parallel, folioRate / parallel))
        }
    }

    /// A binary next to this one (both live in `.build/<configuration>/`).
    static func sibling(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
