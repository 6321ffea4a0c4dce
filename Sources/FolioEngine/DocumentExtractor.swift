import FolioOCR
import FolioPDF
import FolioTokenizer
import Foundation

/// What extracting and chunking one file gave.
public enum ExtractionResult: Sendable {
    case prepared(PreparedDocument)
    /// A one-line message naming the file and the fix.
    case failed(String)
}

/// Extracts and chunks one PDF. Implementations: `InProcessExtractor` (same process, for tools and tests) and
/// `WorkerProcessExtractor` (a child process, so a Poppler crash or hang costs one file).
public protocol DocumentExtractor: Sendable {
    func prepare(file: URL, password: String?) -> ExtractionResult
    /// ``prepare(file:password:)``, reporting (pages extracted, pages in all) as it goes.
    func prepare(file: URL, password: String?, progress: ((Int, Int) -> Void)?) -> ExtractionResult
    /// An extractor for one more thread: `ExtractionPipeline` gives each of its threads its own.
    func forAnotherThread() -> DocumentExtractor
}

extension DocumentExtractor {
    public func forAnotherThread() -> DocumentExtractor { self }

    public func prepare(file: URL, password: String?) -> ExtractionResult {
        prepare(file: file, password: password, progress: nil)
    }
}

/// Extraction in the calling process (one Poppler document per call, and one per OCR thread).
///
/// OCR here runs Tesseract in this process: start it with `OMP_THREAD_LIMIT=1` (as `WorkerProcessExtractor` starts
/// its workers), or Tesseract's OpenMP threads contend for the cores.
public struct InProcessExtractor: DocumentExtractor {
    let preparer: DocumentPreparer
    let ocr: OCROptions

    public init(preparer: DocumentPreparer, ocr: OCROptions = .init()) {
        self.preparer = preparer
        self.ocr = ocr
    }

    public func prepare(file: URL, password: String?, progress: ((Int, Int) -> Void)?) -> ExtractionResult {
        do {
            var document = try ExtractedDocument.extract(from: file, password: password, progress: progress)
            let (pages, warnings) = try PageOCR.apply(to: &document, url: file, password: password, options: ocr,
                                                      progress: progress)
            return .prepared(preparer.prepare(document, ocr: pages, warnings: warnings))
        } catch let error as FolioPDFError {
            return .failed(error.description)
        } catch let error as FolioOCRError {
            return .failed("\(file.path): \(error.description)")
        } catch {
            return .failed("\(file.path): \(error)")
        }
    }
}

/// The reply a worker process writes on its standard output, one JSON line per request: a prepared document or
/// an error line.
struct WorkerReply: Codable {
    var document: PreparedDocument?
    var error: String?
    /// A progress line before the reply: `[pages done, pages in all]`.
    var progress: [Int]?
}

/// A request on a worker's standard input, one JSON line each.
struct WorkerRequest: Codable {
    var path: String
    var password: String?
}

/// The worker side: `folio extract-worker` calls this, in its own process, for one file.
public enum ExtractionWorker {
    /// Environment variable carrying the password to the worker (not argv, which `ps` shows).
    public static let passwordVariable = "FOLIO_WORKER_PASSWORD"

    /// Test hook: `crash:NAME` or `hang:NAME` (comma-separated) makes the worker die of SIGSEGV, or sleep, on a
    /// file whose name contains NAME, standing in for a PDF that crashes or hangs Poppler.
    public static let faultVariable = "FOLIO_TEST_WORKER_FAULT"

    /// Extracts and prepares `path`; returns the JSON reply for standard output.
    public static func run(path: String, vocabulary: URL, options: ChunkingOptions, ocr: OCROptions = .init(),
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> Data {
        do {
            let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabulary)
            let extractor = InProcessExtractor(preparer: DocumentPreparer(tokenizer: tokenizer, options: options), ocr: ocr)
            return reply(extractor, path: path, password: environment[passwordVariable], environment: environment)
        } catch {
            return encode(WorkerReply(error: "\(path): cannot load the vocabulary \(vocabulary.path) (\(error)); check --model"))
        }
    }

    /// Serves requests from standard input until it closes: one JSON request line in, one JSON reply line out.
    /// The vocabulary is loaded once, so a run over many small files does not pay a process start per file.
    public static func serve(vocabulary: URL, options: ChunkingOptions, ocr: OCROptions = .init(),
                             environment: [String: String] = ProcessInfo.processInfo.environment) {
        let tokenizer = try? WordPieceTokenizer(vocabularyURL: vocabulary)
        let extractor = tokenizer.map { InProcessExtractor(preparer: DocumentPreparer(tokenizer: $0, options: options), ocr: ocr) }
        while let line = readLine(strippingNewline: true) {
            guard let request = try? JSONDecoder().decode(WorkerRequest.self, from: Data(line.utf8)) else { continue }
            var data: Data
            if let extractor {
                data = reply(extractor, path: request.path, password: request.password, environment: environment,
                             progressLines: true)
            } else {
                data = encode(WorkerReply(error: "\(request.path): cannot load the vocabulary \(vocabulary.path); check --model"))
            }
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        }
    }

    static func reply(_ extractor: InProcessExtractor, path: String, password: String?,
                      environment: [String: String], progressLines: Bool = false) -> Data {
        injectFault(path: path, environment: environment)
        // In serve mode each page is reported on its own line before the reply (what `folio serve` shows as
        // "extracting page n of N"); at most one line per 1% of the pages.
        var reported = 0
        let progress: ((Int, Int) -> Void)? = progressLines ? { done, total in
            // OCR reports again from its first page after the text pass reported the last: any other percent counts.
            guard done == total || done * 100 / max(total, 1) != reported * 100 / max(total, 1) else { return }
            reported = done
            var line = encode(WorkerReply(progress: [done, total]))
            line.append(0x0A)
            FileHandle.standardOutput.write(line)
        } : nil
        switch extractor.prepare(file: URL(fileURLWithPath: path), password: password, progress: progress) {
        case .prepared(let document): return encode(WorkerReply(document: document))
        case .failed(let message): return encode(WorkerReply(error: message))
        }
    }

    static func encode(_ reply: WorkerReply) -> Data {
        // JSON escapes newlines inside strings, so a reply is exactly one line.
        (try? JSONEncoder().encode(reply)) ?? Data(#"{"error":"cannot encode the worker reply"}"#.utf8)
    }

    static func injectFault(path: String, environment: [String: String]) {
        guard let spec = environment[faultVariable], !spec.isEmpty else { return }
        let name = (path as NSString).lastPathComponent
        for rule in spec.split(separator: ",") {
            let parts = rule.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, name.contains(parts[1]) else { continue }
            if parts[0] == "crash" {
                // Default action: the Swift runtime's backtrace handler would return from a raised signal.
                signal(SIGSEGV, SIG_DFL)
                raise(SIGSEGV)
            }
            if parts[0] == "hang" { while true { sleep(60) } }
        }
    }
}

/// Extracts in a child process (`<executable> extract-worker --serve`) that stays up for the next document, with
/// a time limit per document: a PDF that crashes or hangs Poppler costs only that file (the worker is killed if
/// needed and a fresh one started for the next). One instance drives one worker from one thread; the pipeline
/// asks `forAnotherThread()` for each of its threads.
/// `@unchecked Sendable`: no lock; `worker` and `pending` are used by one thread at a time by design (each
/// `ExtractionPipeline` thread takes its own from `forAnotherThread()`, which reads only `let`s), so one instance
/// must never run `prepare` on two threads at once.
public final class WorkerProcessExtractor: DocumentExtractor, @unchecked Sendable {
    public let executable: URL
    public let vocabulary: URL
    public let options: ChunkingOptions
    /// Seconds one document may go without finishing a page (a long scan reads for minutes, a page at a time).
    public let timeout: Double
    public let ocr: OCROptions
    private var worker: (process: Process, input: FileHandle, output: FileHandle)?
    private var pending = Data()

    public init(executable: URL, vocabulary: URL, options: ChunkingOptions, timeout: Double = 120,
                ocr: OCROptions = .init()) {
        self.executable = executable
        self.vocabulary = vocabulary
        self.options = options
        self.timeout = timeout
        self.ocr = ocr
    }

    deinit { stop() }

    public func forAnotherThread() -> DocumentExtractor {
        WorkerProcessExtractor(executable: executable, vocabulary: vocabulary, options: options, timeout: timeout, ocr: ocr)
    }

    /// Environment variable limiting OpenMP's threads: Debian's Tesseract uses OpenMP, and libgomp reads this when
    /// it loads, so it must be set before the worker starts. Unlimited, one page took 22–37 s instead of 3.
    public static let openMPThreadLimit = "OMP_THREAD_LIMIT"

    private func start() throws -> (process: Process, input: FileHandle, output: FileHandle) {
        if let worker, worker.process.isRunning { return worker }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["extract-worker", "--serve", "--vocabulary", vocabulary.path,
                             "--chunk-target", String(options.targetTokens), "--chunk-max", String(options.maxTokens),
                             "--chunk-overlap", String(options.overlapSentences),
                             "--ocr", ocr.mode.rawValue, "--ocr-lang", ocr.language, "--ocr-dpi", String(ocr.dpi),
                             "--ocr-threads", String(ocr.threads)]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.openMPThreadLimit] = "1"
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = (process, input.fileHandleForWriting, output.fileHandleForReading)
        worker = started
        pending = Data()
        return started
    }

    /// Closes the worker's input (it exits at end of input) and waits for it.
    public func stop() {
        guard let worker else { return }
        try? worker.input.close()
        worker.process.waitUntilExit()
        self.worker = nil
    }

    public func prepare(file: URL, password: String?, progress: ((Int, Int) -> Void)?) -> ExtractionResult {
        let path = file.path
        let current: (process: Process, input: FileHandle, output: FileHandle)
        do {
            current = try start()
            var request = try JSONEncoder().encode(WorkerRequest(path: path, password: password))
            request.append(0x0A)
            try current.input.write(contentsOf: request)
        } catch {
            worker = nil
            return .failed("\(path): cannot start the extraction worker \(executable.path) (\(error)); reinstall folio")
        }
        let pid = current.process.processIdentifier
        let state = TimeoutState()
        let startTimer = { () -> DispatchWorkItem in
            let timer = DispatchWorkItem {
                if state.markTimedOutUnlessFinished() { kill(pid, SIGKILL) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + self.timeout, execute: timer)
            return timer
        }
        var timer = startTimer()
        var line = readLine(from: current.output)
        var decoded = line.flatMap { try? JSONDecoder().decode(WorkerReply.self, from: $0) }
        // Progress lines come first; the reply is the first line that is not one. Each restarts the clock.
        while let reply = decoded, let pages = reply.progress, pages.count == 2 {
            timer.cancel()
            timer = startTimer()
            progress?(pages[0], pages[1])
            line = readLine(from: current.output)
            decoded = line.flatMap { try? JSONDecoder().decode(WorkerReply.self, from: $0) }
        }
        state.markFinished()
        timer.cancel()
        if line != nil, let reply = decoded {
            if let document = reply.document { return .prepared(document) }
            return .failed(reply.error ?? "\(path): the extraction worker gave no result")
        }
        // No reply: the worker died (or was killed). Find out how, and start afresh for the next file.
        try? current.input.close()
        current.process.waitUntilExit()
        worker = nil
        if state.timedOut {
            return .failed("\(path): timed out after \(Self.seconds(timeout)) s in Poppler (worker killed); "
                + "raise --timeout if the file is just very large, or re-export it")
        }
        if current.process.terminationReason == .uncaughtSignal {
            let signal = current.process.terminationStatus
            return .failed("\(path): crashed Poppler (signal \(signal)\(Self.signalName(signal))); "
                + "the file is malformed: re-download or re-export it")
        }
        return .failed("\(path): the extraction worker failed (exit status \(current.process.terminationStatus)); "
            + "run `folio ingest` on this file alone to see why")
    }

    /// One reply line, or nil at end of output. Only newly read bytes are searched for the newline, so a large
    /// reply arriving in many small reads costs linear time.
    private func readLine(from handle: FileHandle) -> Data? {
        var searched = 0
        while true {
            let newline: Int? = pending.withUnsafeBytes { bytes in
                guard searched < bytes.count, let base = bytes.baseAddress,
                      let found = memchr(base + searched, 0x0A, bytes.count - searched) else { return nil }
                return base.distance(to: UnsafeRawPointer(found))
            }
            if let newline {
                let line = pending.prefix(newline)
                pending = pending.dropFirst(newline + 1)
                return Data(line)
            }
            searched = pending.count
            let chunk = handle.availableData  // blocks until data or end of file
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return ", segmentation fault"
        case SIGABRT: return ", abort"
        case SIGBUS: return ", bus error"
        case SIGFPE: return ", arithmetic error"
        case SIGKILL: return ", killed"
        default: return ""
        }
    }
}

/// `@unchecked Sendable`: `lock` guards `expired` and `finished`.
private final class TimeoutState: @unchecked Sendable {
    private let lock = NSLock()
    private var expired = false
    private var finished = false
    var timedOut: Bool { lock.withLock { expired } }
    /// True when the worker is still working, so the caller may kill it.
    func markTimedOutUnlessFinished() -> Bool {
        lock.withLock {
            if finished { return false }
            expired = true
            return true
        }
    }
    func markFinished() { lock.withLock { finished = true } }
}
