import ArgumentParser
import FolioEngine
import FolioOCR
import FolioPDF
import FolioText
import Foundation

/// OCR speed and quality: Folio's OCR (Poppler render + Tesseract through its C API, one process per core, as the
/// ingest workers run it) against the `tesseract` command line on the very same page images, one process per
/// core, in the same run; and the character error rate of both against the pages' own text layer.
///
/// Give it born-digital PDFs: their pages are rendered (a clean scan of each page) and OCR is measured against
/// their text layer. The reference gets the rendered images as PGM files, so it does no rendering: Folio's figure
/// includes its own rendering, the reference's does not.
struct OCRBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr",
        abstract: "OCR pages/s, CPU per page, peak RSS and CER, side by side with the tesseract CLI.",
        discussion: "Example: folio-bench ocr Corpus/ --pages 1-3 --dpi 200")

    @Argument(help: "PDF files or folders (default: Corpus/).")
    var paths: [String] = ["Corpus"]

    @Option(help: "Pages of each PDF, `first-last` (default: all).")
    var pages: String?

    @Option(help: "Render resolution.")
    var dpi = OCROptions.defaultDPI

    @Option(help: "Tesseract language.")
    var lang = "eng"

    @Option(help: "Processes at once, for Folio and for the CLI (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The tesseract binary.")
    var tesseract = "/usr/bin/tesseract"

    @Flag(help: "Skip the tesseract CLI reference.")
    var noReference = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let files = Bench.pdfs(in: paths)
        guard !files.isEmpty else { throw ValidationError("no PDFs in \(paths.joined(separator: ", "))") }
        let range = try pages.map(Self.parseRange)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("folio-bench-ocr-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // The pages, their text layers, and their images for the reference.
        var items: [(file: String, page: Int, image: String)] = []
        var references: [String] = []
        for file in files {
            let document = try PDFDocument(url: file)
            let last = min(range?.upperBound ?? document.pageCount, document.pageCount)
            for page in (range?.lowerBound ?? 1) ... max(last, 1) where page <= document.pageCount {
                let text = try document.text(ofPage: page)
                // No text layer (or an unreadable one): nothing to compare against.
                let (visible, readable) = TextNormalizer.visibleCounts(text)
                guard visible >= 100, readable * 2 >= visible else { continue }
                let image = work.appendingPathComponent("\(items.count).pgm").path
                try Self.writePGM(try document.renderGray(page: page, dpi: dpi, maxPixels: PageRecognizer.maxPixels), to: image)
                items.append((file.path, page, image))
                references.append(text)
            }
        }
        guard !items.isEmpty else { throw ValidationError("no pages with a text layer to compare against") }

        // Folio: `jobs` worker processes, pages dealt round robin, each rendering and reading its pages.
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_THREAD_LIMIT"] = "1"
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let lanes = max(1, min(jobs, items.count))
        var folioRuns: [Spawned.Run] = []
        let folioWall = try Bench.time {
            let pids = try (0 ..< lanes).map { lane -> (pid_t, String) in
                let list = work.appendingPathComponent("lane\(lane).txt").path
                let mine = items.indices.filter { $0 % lanes == lane }.map { "\(items[$0].file)\t\(items[$0].page)" }
                try mine.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
                let output = work.appendingPathComponent("lane\(lane).json").path
                return (try Spawned.start([me, "ocr-worker", "--dpi", String(dpi), "--lang", lang, list],
                                          environment: environment, stdout: output), output)
            }
            folioRuns = pids.map { Spawned.wait($0.0) }
        }
        var folioText = [String](repeating: "", count: items.count)
        var confidences: [Double] = []
        for lane in 0 ..< lanes {
            let output = try String(contentsOfFile: work.appendingPathComponent("lane\(lane).json").path, encoding: .utf8)
            let pages = items.indices.filter { $0 % lanes == lane }
            for (position, line) in output.split(separator: "\n").enumerated() where position < pages.count {
                let page = try JSONDecoder().decode(RecognizedPage.self, from: Data(line.utf8))
                folioText[pages[position]] = page.text
                confidences.append(page.confidence)
            }
        }
        guard folioRuns.allSatisfy({ $0.status == 0 }) else { throw ValidationError("an OCR worker failed") }

        // The tesseract CLI on the same images, `jobs` at a time.
        var cliRuns: [Spawned.Run] = []
        var cliText = [String](repeating: "", count: items.count)
        var cliWall = 0.0
        if !noReference {
            let images = items.map(\.image), childEnvironment = environment, lang = self.lang, tesseract = self.tesseract
            let queue = ManagedQueue(count: items.count)
            let collected = RunCollector()
            cliWall = Bench.time {
                DispatchQueue.concurrentPerform(iterations: lanes) { _ in
                    while let index = queue.next() {
                        let base = work.appendingPathComponent("cli\(index)").path
                        if let pid = try? Spawned.start([tesseract, images[index], base, "-l", lang, "--psm", "3"],
                                                        environment: childEnvironment, stdout: "/dev/null") {
                            collected.add(Spawned.wait(pid))
                        }
                    }
                }
            }
            cliRuns = collected.runs
            for index in items.indices {
                cliText[index] = (try? String(contentsOfFile: work.appendingPathComponent("cli\(index).txt").path, encoding: .utf8)) ?? ""
            }
        }

        let folioCER = CharacterErrorRate.summary(folioText, references)
        let cliCER = noReference ? nil : CharacterErrorRate.summary(cliText, references)
        let n = Double(items.count)
        let folioCPU = folioRuns.reduce(0) { $0 + $1.cpu }, cliCPU = cliRuns.reduce(0) { $0 + $1.cpu }
        let folioRSS = folioRuns.map(\.maxRSSMiB).max() ?? 0, cliRSS = cliRuns.map(\.maxRSSMiB).max() ?? 0
        if json {
            var object: [String: Any] = [
                "pages": items.count, "dpi": dpi, "jobs": lanes,
                "folio": ["pages_per_s": n / folioWall, "cpu_s_per_page": folioCPU / n, "peak_rss_mib": folioRSS,
                          "cer": folioCER.total, "cer_median_page": folioCER.median,
                          "mean_confidence": confidences.reduce(0, +) / Double(max(confidences.count, 1))],
            ]
            if let cliCER {
                object["tesseract_cli"] = ["pages_per_s": n / cliWall, "cpu_s_per_page": cliCPU / n, "peak_rss_mib": cliRSS,
                                           "cer": cliCER.total, "cer_median_page": cliCER.median]
                object["speed_ratio"] = cliWall / folioWall
            }
            Bench.printJSON(object)
            return
        }
        print(String(format: "%d pages at %.0f dpi, %d processes at once", items.count, dpi, lanes))
        print(String(format: "folio OCR      %6.2f pages/s  %5.2f CPU s/page  peak RSS %5.0f MiB  CER %.4f (median page %.4f)",
                     n / folioWall, folioCPU / n, folioRSS, folioCER.total, folioCER.median))
        if let cliCER {
            print(String(format: "tesseract CLI  %6.2f pages/s  %5.2f CPU s/page  peak RSS %5.0f MiB  CER %.4f (median page %.4f)",
                         n / cliWall, cliCPU / n, cliRSS, cliCER.total, cliCER.median))
            print(String(format: "folio / CLI pages/s: %.2fx", cliWall / folioWall))
        }
    }

    static func parseRange(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] else {
            throw ValidationError("--pages takes first-last, e.g. 1-3")
        }
        return parts[0] ... parts[1]
    }

    /// Binary PGM (P5), which Tesseract's image library reads.
    static func writePGM(_ image: GrayImage, to path: String) throws {
        var data = Data("P5\n\(image.width) \(image.height)\n255\n".utf8)
        data.append(contentsOf: image.pixels)
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// `folio-bench ocr-worker LIST`: reads the pages listed (`path<TAB>page` lines) as ingestion's workers do and
/// writes one `RecognizedPage` JSON line each. Run by `folio-bench ocr`.
struct OCRWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ocr-worker", shouldDisplay: false)

    @Option var dpi = OCROptions.defaultDPI
    @Option var lang = "eng"
    @Argument var list: String

    func run() throws {
        let recognizer = try PageRecognizer(language: lang, dpi: dpi)
        var open: (path: String, document: PDFDocument)? = nil
        for line in try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2, let page = Int(fields[1]) else { continue }
            let path = String(fields[0])
            if open?.path != path { open = (path, try PDFDocument(url: URL(fileURLWithPath: path))) }
            guard let document = open?.document else { continue }
            var data = try JSONEncoder().encode(try recognizer.recognize(page: page, of: document))
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        }
    }
}

/// Character error rate: Levenshtein distance over characters / the reference's length, after folding both
/// texts the same way (NFKC, white space runs to one space), so line breaks and ligatures do not count.
enum CharacterErrorRate {
    static func normalized(_ text: String) -> [Unicode.Scalar] {
        let folded = text.precomposedStringWithCompatibilityMapping
        var out: [Unicode.Scalar] = []
        var space = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isWhitespace { space = !out.isEmpty; continue }
            if space { out.append(" "); space = false }
            out.append(scalar)
        }
        return out
    }

    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0 ... b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1 ... a.count {
            current[0] = i
            for j in 1 ... b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Over all pages (summed distances / summed reference lengths) and the median page's.
    static func summary(_ texts: [String], _ references: [String]) -> (total: Double, median: Double) {
        var errors = 0, length = 0
        var rates: [Double] = []
        for (text, reference) in zip(texts, references) {
            let r = normalized(reference)
            let d = distance(normalized(text), r)
            errors += d
            length += r.count
            rates.append(Double(d) / Double(max(r.count, 1)))
        }
        return (Double(errors) / Double(max(length, 1)), rates.isEmpty ? 0 : Bench.median(rates))
    }
}

/// Child processes started with `posix_spawn` and reaped with `wait4`, so each one's CPU time and peak RSS are its own.
enum Spawned {
    struct Run {
        var status: Int32
        var cpu: Double
        var maxRSSMiB: Double
    }

    static func start(_ argv: [String], environment: [String: String], stdout: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, nil, arguments, variables)
        guard status == 0 else { throw ValidationError("cannot start \(argv[0]): \(String(cString: strerror(status)))") }
        return pid
    }

    static func wait(_ pid: pid_t) -> Run {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return Run(status: (status >> 8) & 0xFF, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                   maxRSSMiB: Double(usage.ru_maxrss) / 1024)
    }
}

/// Indices handed out one at a time. `@unchecked Sendable`: `lock` guards `nextIndex`.
final class ManagedQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var nextIndex = 0
    init(count: Int) { self.count = count }
    func next() -> Int? {
        lock.withLock {
            guard nextIndex < count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }
}

/// Finished runs from several threads. `@unchecked Sendable`: `lock` guards `stored`.
final class RunCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Spawned.Run] = []
    func add(_ run: Spawned.Run) { lock.withLock { stored.append(run) } }
    var runs: [Spawned.Run] { lock.withLock { stored } }
}
