import ArgumentParser
import FolioEngine
import FolioPDF
import FolioTokenizer
import Foundation

/// Pages per second of Folio's extraction + normalization + chunking, against `pdftotext` on the same files in
/// the same run.
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

    @Flag(help: "Skip the pdftotext reference.")
    var noReference = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let files = Bench.pdfs(in: paths)
        guard !files.isEmpty else { throw ValidationError("no PDFs in \(paths.joined(separator: ", "))") }
        let modelDirectory = try FolioPaths.modelDirectory(explicit: model)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: modelDirectory.appendingPathComponent("vocab.txt"))
        let preparer = DocumentPreparer(tokenizer: tokenizer)
        var pages = 0
        var chunks = 0
        var folioTimes: [Double] = []
        var referenceTimes: [Double] = []
        for _ in 0..<max(runs, 1) {
            pages = 0
            chunks = 0
            folioTimes.append(try Bench.time {
                for file in files {
                    let document = try ExtractedDocument.extract(from: file)
                    pages += document.pages.count
                    chunks += preparer.prepare(document).chunks.count
                }
            })
            if !noReference {
                referenceTimes.append(try Bench.time {
                    for file in files { try Bench.run("/usr/bin/pdftotext", [file.path, "/dev/null"]) }
                })
            }
        }
        let folio = Double(pages) / Bench.median(folioTimes)
        let reference = referenceTimes.isEmpty ? nil : Double(pages) / Bench.median(referenceTimes)
        if json {
            var object: [String: Any] = ["files": files.count, "pages": pages, "chunks": chunks,
                                         "folio_pages_per_s": folio, "peak_rss_mb": Bench.peakRSSMiB()]
            if let reference { object["pdftotext_pages_per_s"] = reference; object["ratio"] = folio / reference }
            Bench.printJSON(object)
            return
        }
        print("\(files.count) files, \(pages) pages, \(chunks) chunks; median of \(runs) runs")
        print(String(format: "folio      %8.1f pages/s", folio))
        if let reference {
            print(String(format: "pdftotext  %8.1f pages/s", reference))
            print(String(format: "ratio      %8.2fx", folio / reference))
        }
    }
}
