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
/// `WorkerProcessExtractor` (a child process per document, so a Poppler crash or hang costs one file).
public protocol DocumentExtractor: Sendable {
    func prepare(file: URL, password: String?) -> ExtractionResult
}

/// Extraction in the calling process and thread (one Poppler document per call).
public struct InProcessExtractor: DocumentExtractor {
    let preparer: DocumentPreparer

    public init(preparer: DocumentPreparer) {
        self.preparer = preparer
    }

    public func prepare(file: URL, password: String?) -> ExtractionResult {
        do {
            return .prepared(preparer.prepare(try ExtractedDocument.extract(from: file, password: password)))
        } catch let error as FolioPDFError {
            return .failed(error.description)
        } catch {
            return .failed("\(file.path): \(error)")
        }
    }
}

/// The reply a worker process writes on its standard output: a prepared document or an error line.
struct WorkerReply: Codable {
    var document: PreparedDocument?
    var error: String?
}

/// The worker side: `folio extract-worker` calls this, in its own process, for one file.
public enum ExtractionWorker {
    /// Environment variable carrying the password to the worker (not argv, which `ps` shows).
    public static let passwordVariable = "FOLIO_WORKER_PASSWORD"

    /// Test hook: `crash:NAME` or `hang:NAME` (comma-separated) makes the worker die of SIGSEGV, or sleep, on a
    /// file whose name contains NAME, standing in for a PDF that crashes or hangs Poppler.
    public static let faultVariable = "FOLIO_TEST_WORKER_FAULT"

    /// Extracts and prepares `path`; returns the JSON reply for standard output.
    public static func run(path: String, vocabulary: URL, options: ChunkingOptions,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> Data {
        injectFault(path: path, environment: environment)
        let reply: WorkerReply
        do {
            let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabulary)
            let extractor = InProcessExtractor(preparer: DocumentPreparer(tokenizer: tokenizer, options: options))
            switch extractor.prepare(file: URL(fileURLWithPath: path), password: environment[passwordVariable]) {
            case .prepared(let document): reply = WorkerReply(document: document)
            case .failed(let message): reply = WorkerReply(error: message)
            }
        } catch {
            reply = WorkerReply(error: "\(path): cannot load the vocabulary \(vocabulary.path) (\(error)); check --model")
        }
        return (try? JSONEncoder().encode(reply)) ?? Data(#"{"error":"cannot encode the worker reply"}"#.utf8)
    }

    static func injectFault(path: String, environment: [String: String]) {
        guard let spec = environment[faultVariable], !spec.isEmpty else { return }
        let name = (path as NSString).lastPathComponent
        for rule in spec.split(separator: ",") {
            let parts = rule.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, name.contains(parts[1]) else { continue }
            if parts[0] == "crash" { raise(SIGSEGV) }
            if parts[0] == "hang" { while true { sleep(60) } }
        }
    }
}

/// Runs each document in a child process (`<executable> extract-worker …`) with a time limit, so a PDF that
/// crashes or hangs Poppler costs only that file.
public struct WorkerProcessExtractor: DocumentExtractor {
    public let executable: URL
    public let vocabulary: URL
    public let options: ChunkingOptions
    /// Seconds one document may take.
    public let timeout: Double

    public init(executable: URL, vocabulary: URL, options: ChunkingOptions, timeout: Double = 120) {
        self.executable = executable
        self.vocabulary = vocabulary
        self.options = options
        self.timeout = timeout
    }

    public func prepare(file: URL, password: String?) -> ExtractionResult {
        let path = file.path
        let process = Process()
        process.executableURL = executable
        process.arguments = ["extract-worker", "--vocabulary", vocabulary.path,
                             "--chunk-target", String(options.targetTokens), "--chunk-max", String(options.maxTokens),
                             "--chunk-overlap", String(options.overlapSentences), "--", path]
        var environment = ProcessInfo.processInfo.environment
        environment[ExtractionWorker.passwordVariable] = password
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failed("\(path): cannot start the extraction worker \(executable.path) (\(error)); reinstall folio")
        }
        let pid = process.processIdentifier
        let state = TimeoutState()
        let timer = DispatchWorkItem {
            if state.markTimedOutUnlessFinished() { kill(pid, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        // Read to the end before waiting: a large reply must not fill the pipe and block the worker.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        state.markFinished()
        timer.cancel()
        if state.timedOut && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
            return .failed("\(path): timed out after \(Self.seconds(timeout)) s in Poppler (worker killed); "
                + "raise --timeout if the file is just very large, or re-export it")
        }
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            return .failed("\(path): crashed Poppler (signal \(signal)\(Self.signalName(signal))); "
                + "the file is malformed: re-download or re-export it")
        }
        guard let reply = try? JSONDecoder().decode(WorkerReply.self, from: data) else {
            return .failed("\(path): the extraction worker failed (exit status \(process.terminationStatus)); "
                + "run `folio ingest` on this file alone to see why")
        }
        if let document = reply.document { return .prepared(document) }
        return .failed(reply.error ?? "\(path): the extraction worker gave no result")
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

private final class TimeoutState: @unchecked Sendable {
    private let lock = NSLock()
    private var expired = false
    private var finished = false
    var timedOut: Bool { lock.withLock { expired } }
    /// True when the worker is still running, so the caller may kill it.
    func markTimedOutUnlessFinished() -> Bool {
        lock.withLock {
            if finished { return false }
            expired = true
            return true
        }
    }
    func markFinished() { lock.withLock { finished = true } }
}
