import FolioEncoder
import FolioPDF
import FolioStore
import FolioText
import FolioTokenizer
import Foundation

/// What happened to one file in an ingest run.
public enum IngestOutcome: Sendable {
    /// Extracted, chunked, embedded and stored; `replaced` when an older version of the file was replaced, or the
    /// same file as an older extraction or other chunk settings had made it.
    case ingested(DocumentRecord, replaced: Bool)
    /// Already stored with the same content (sha256); nothing was read but the file's bytes.
    case unchanged(DocumentRecord)
    /// Already stored with the same content under another path that no longer exists; the stored path was updated.
    case moved(DocumentRecord, from: String)
    /// A copy of a document stored (or being stored) from another path that still exists; stored once.
    case duplicate(path: String, of: String)
    /// Not stored, with a one-line reason naming the file and the fix; a file that gives nothing to store (no
    /// pages, no usable text even after OCR) is one too.
    case failed(path: String, message: String)

    public var path: String {
        switch self {
        case .ingested(let d, _), .unchanged(let d), .moved(let d, _): return d.path
        case .duplicate(let p, _), .failed(let p, _): return p
        }
    }
}

/// Progress of an ingest run, for a progress line.
public struct IngestProgress: Sendable {
    public var completed: Int
    public var total: Int
    public var currentFile: String
    /// `hashing`, `extracting` (with `pagesDone` of `pagesTotal`), `embedding`, `done`.
    public var phase: String
    public var pagesDone = 0
    public var pagesTotal = 0
    /// With `embedding`: chunks embedded of the document's chunks.
    public var chunksDone = 0
    public var chunksTotal = 0
}

/// The summary of an ingest run.
public struct IngestReport: Sendable {
    public var outcomes: [IngestOutcome] = []
    /// Arguments that named no file (missing paths, folders without PDFs), as one-line messages.
    public var pathErrors: [String] = []
    /// One-line warnings about stored documents (pages left out, …).
    public var warnings: [String] = []
    /// Documents handed to Poppler in this run (unchanged and moved files are not).
    public var extractions = 0

    public var ingested: Int { outcomes.filter { if case .ingested = $0 { true } else { false } }.count }
    public var unchanged: Int {
        outcomes.filter { switch $0 { case .unchanged, .moved, .duplicate: true; default: false } }.count
    }
    public var failed: Int { outcomes.filter { if case .failed = $0 { true } else { false } }.count + pathErrors.count }
    public var chunks: Int {
        outcomes.reduce(0) { if case .ingested(let d, _) = $1 { $0 + d.chunkCount } else { $0 } }
    }
}

/// How an ingest run extracts.
public struct IngestOptions: Sendable {
    public var password: String?
    /// Documents extracted at once (each in its own worker process when `workerExecutable` is set).
    public var jobs: Int
    /// Seconds one document may spend in its worker before it is killed.
    public var timeout: Double
    /// The `folio` binary to re-execute as `folio extract-worker`; nil extracts in this process, one at a time.
    public var workerExecutable: URL?
    /// When and how pages are read with OCR. Its `threads` is set per run: the cores the workers leave idle
    /// when there are fewer documents than jobs (a single 100-page scan is read on every core).
    public var ocr: OCROptions

    public init(password: String? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                timeout: Double = 120, workerExecutable: URL? = nil, ocr: OCROptions = .init()) {
        self.password = password
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.workerExecutable = workerExecutable
        self.ocr = ocr
    }
}

/// Turns PDFs into stored, embedded chunks: hash → extract and chunk (worker processes, in parallel) → embed
/// (this process; the encoder uses every core, document after document without a pause) → store (one transaction
/// per document, while the next document is embedded).
public struct Ingestor {
    let store: FolioStore
    let encoder: SentenceEncoder
    let preparer: DocumentPreparer
    let chunking: ChunkingOptions
    let vocabulary: URL?

    /// - Parameter vocabulary: the model's `vocab.txt`, which worker processes load to count tokens.
    public init(store: FolioStore, encoder: SentenceEncoder, chunking: ChunkingOptions = .init(), vocabulary: URL? = nil) {
        self.store = store
        self.encoder = encoder
        self.chunking = chunking
        self.vocabulary = vocabulary
        self.preparer = DocumentPreparer(tokenizer: encoder.tokenizer, options: chunking)
    }

    /// Finds the PDFs named by `paths`: files as given, folders searched recursively for `*.pdf`, symlink
    /// loops and repeated files visited once.
    public static func collectFiles(_ paths: [String]) -> (files: [URL], errors: [String]) {
        var files: [URL] = []
        var errors: [String] = []
        var seenFiles = Set<String>()
        var seenDirectories = Set<String>()
        let fm = FileManager.default

        func visit(_ url: URL, explicit: Bool) {
            let resolved = url.resolvingSymlinksInPath().standardizedFileURL
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: resolved.path, isDirectory: &isDirectory) else {
                if explicit { errors.append(FolioEngineError.pathNotFound(path: url.path).description) }
                return
            }
            if isDirectory.boolValue {
                guard seenDirectories.insert(resolved.path).inserted else { return }  // symlink loop
                let before = files.count
                let children = ((try? fm.contentsOfDirectory(atPath: resolved.path)) ?? []).sorted()
                for child in children where !child.hasPrefix(".") {
                    let childURL = url.appendingPathComponent(child)
                    var childIsDirectory: ObjCBool = false
                    _ = fm.fileExists(atPath: childURL.path, isDirectory: &childIsDirectory)
                    if childIsDirectory.boolValue || child.lowercased().hasSuffix(".pdf") {
                        visit(childURL, explicit: false)
                    }
                }
                if explicit && files.count == before {
                    errors.append(FolioEngineError.noPDFs(path: url.path).description)
                }
            } else if seenFiles.insert(resolved.path).inserted {
                files.append(url.standardizedFileURL)
            }
        }
        for path in paths { visit(URL(fileURLWithPath: path), explicit: true) }
        return (files, errors)
    }

    /// What to do with one file once it is hashed.
    enum Plan {
        case done(IngestOutcome)
        case extract(sha256: String, previous: Int64?)
    }

    /// Ingests every PDF named by `paths`; a failing file costs only itself.
    public func ingest(paths: [String], options: IngestOptions = .init(),
                       progress: ((IngestProgress) -> Void)? = nil) -> IngestReport {
        let (files, errors) = Self.collectFiles(paths)
        var report = IngestReport()
        report.pathErrors = errors
        fillIntroducedNames()
        var outcomes = [IngestOutcome?](repeating: nil, count: files.count)
        var pending: [(index: Int, sha256: String, previous: Int64?)] = []
        var scheduled: [String: String] = [:]  // sha256 -> path, within this run
        for (index, file) in files.enumerated() {
            progress?(IngestProgress(completed: index, total: files.count, currentFile: file.lastPathComponent,
                                     phase: "hashing"))
            switch plan(file) {
            case .done(let outcome):
                outcomes[index] = outcome
            case .extract(let sha, let previous):
                if let first = scheduled[sha] {
                    outcomes[index] = .duplicate(path: file.path, of: first)
                } else {
                    scheduled[sha] = file.path
                    pending.append((index, sha, previous))
                }
            }
        }

        let extractor: DocumentExtractor
        let jobs = options.workerExecutable == nil ? 1 : options.jobs
        var ocr = options.ocr
        ocr.threads = max(1, options.jobs / max(1, min(jobs, pending.count)))
        if let executable = options.workerExecutable, let vocabulary {
            extractor = WorkerProcessExtractor(executable: executable, vocabulary: vocabulary, options: chunking,
                                               timeout: options.timeout, ocr: ocr)
        } else {
            extractor = InProcessExtractor(preparer: preparer, ocr: ocr)
        }
        report.extractions = pending.count
        var done = files.count - pending.count
        let pipeline = ExtractionPipeline(files: pending.map { files[$0.index] }, jobs: jobs,
                                          password: options.password, extractor: extractor,
                                          pageProgress: progress.map { report in { position, pagesDone, pagesTotal in
            let file = files[pending[position].index]
            report(IngestProgress(completed: 0, total: files.count, currentFile: file.lastPathComponent,
                                  phase: "extracting", pagesDone: pagesDone, pagesTotal: pagesTotal))
        } })
        // Documents are embedded back to back by one set of encoder threads; each is stored (its own
        // transaction) as soon as its vectors are ready, while the next one is being embedded.
        encoder.embedSeries(pipeline, texts: { _, result in
            if case .prepared(let prepared) = result { return prepared.chunks.map(\.embeddingText) }
            return []
        }, started: { position, _ in
            let file = files[pending[position].index]
            progress?(IngestProgress(completed: done, total: files.count, currentFile: file.lastPathComponent,
                                     phase: "embedding"))
        }, progress: { item, embedded, total in
            let file = files[pending[item.0].index]
            progress?(IngestProgress(completed: done, total: files.count, currentFile: file.lastPathComponent,
                                     phase: "embedding", chunksDone: embedded, chunksTotal: total))
        }, handle: { item, vectors in
            let (position, result) = item
            let (index, sha, previous) = pending[position]
            outcomes[index] = store(result, vectors: vectors, file: files[index], sha256: sha, previous: previous,
                                    ocr: options.ocr.mode, warnings: &report.warnings)
            done += 1
        })
        report.outcomes = outcomes.compactMap { $0 }
        progress?(IngestProgress(completed: files.count, total: files.count, currentFile: "", phase: "done"))
        return report
    }

    /// Hashes a file and decides: unchanged, moved, or to extract (replacing `previous`, the old version at
    /// this path). Never opens Poppler.
    func plan(_ file: URL) -> Plan {
        let path = file.path
        do {
            // open(2) answers for the real caller (root reads mode-000 files; FileManager's access check is
            // about mode bits), and an empty file must not be taken for a copy of another empty file.
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                throw FolioPDFError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            let statted = fstat(fd, &info)
            close(fd)
            if statted == 0 && info.st_size == 0 { throw FolioPDFError.empty(path: path) }
            let sha: String
            do { sha = try SHA256.hex(ofFile: file) } catch {
                throw FolioPDFError.unreadable(path: path, reason: "read error")
            }
            let atPath = try store.documents(matching: path).first { $0.path == path }
            if let existing = try store.document(sha256: sha) {
                // Made by an older extraction or with other chunk settings: extracted again, replacing it.
                let stale = existing.pipeline != chunking.pipeline
                if existing.path == path {
                    return stale ? .extract(sha256: sha, previous: existing.id) : .done(.unchanged(existing))
                }
                if FileManager.default.fileExists(atPath: existing.path) {
                    return .done(.duplicate(path: path, of: existing.path))  // a copy: keep the original
                }
                // Moved (or renamed): the old path is gone. A different document stored at the new path was
                // overwritten by this file, so it goes in the same transaction.
                let replaced = atPath.map(\.id).flatMap { $0 == existing.id ? nil : $0 }
                try store.updateLocation(documentID: existing.id, path: path, fileName: file.lastPathComponent,
                                         replacing: replaced)
                if stale { return .extract(sha256: sha, previous: existing.id) }
                var moved = existing
                moved.path = path
                moved.fileName = file.lastPathComponent
                return .done(.moved(moved, from: existing.path))
            }
            return .extract(sha256: sha, previous: atPath?.id)
        } catch let error as FolioPDFError {
            return .done(.failed(path: path, message: error.description))
        } catch let error as FolioStoreError {
            return .done(.failed(path: path, message: error.description))
        } catch {
            return .done(.failed(path: path, message: "\(path): \(error)"))
        }
    }

    /// A document's opening as retrieval reads it: its first chunks, in order.
    static func opening(of chunks: [NewChunk]) -> String {
        chunks.filter { $0.ordinal < Retriever.openingChunks }.sorted { $0.ordinal < $1.ordinal }
            .map(\.text).joined(separator: " ")
    }

    /// Stores the introduced names of documents stored before ingest kept them, so their questions stop reading
    /// openings. Best effort: a failure here leaves retrieval reading them, as before.
    func fillIntroducedNames() {
        do {
            let known = try store.introducedNames()
            let missing = try store.documents().map(\.id).filter { known[$0] == nil }
            guard !missing.isEmpty else { return }
            let openings = try store.openingTexts(chunksPerDocument: Retriever.openingChunks, documentIDs: missing)
            try store.setIntroducedNames(Dictionary(uniqueKeysWithValues: missing.map { id in
                (id, Retriever.introducedNames(in: openings[id] ?? ""))
            }))
        } catch {
            return
        }
    }

    /// Stores one extracted document and its chunks' vectors in one transaction (replacing `previous` in it).
    func store(_ result: ExtractionResult, vectors: [[Float]], file: URL, sha256: String, previous: Int64?,
               ocr: OCRMode, warnings: inout [String]) -> IngestOutcome {
        let path = file.path
        switch result {
        case .failed(let message):
            return .failed(path: path, message: message)
        case .prepared(let prepared):
            guard !prepared.chunks.isEmpty else {
                // Nothing half-stored, and a failure a script can see; the warnings say which pages went wrong.
                warnings += prepared.warnings
                let error: FolioEngineError = prepared.pages.isEmpty ? .noPages(path: path)
                    : ocr == .never ? .noTextLayer(path: path)
                    : .noTextAfterOCR(path: path, pagesRead: prepared.pages.filter { $0.ocr != nil }.count)
                return .failed(path: path, message: error.description)
            }
            warnings += prepared.warnings
            let chunks = zip(prepared.chunks, vectors).map { chunk, vector in
                NewChunk(ordinal: chunk.chunk.ordinal, pageStart: chunk.chunk.pageStart, pageEnd: chunk.chunk.pageEnd,
                         section: chunk.chunk.section, text: chunk.chunk.text, tokenCount: chunk.chunk.tokenCount,
                         embedding: vector)
            }
            do {
                let record = try store.insert(NewDocument(
                    path: path, fileName: file.lastPathComponent, sha256: sha256, title: prepared.title,
                    author: prepared.author, pages: prepared.pages.map { ($0.number, $0.text) }, chunks: chunks,
                    pipeline: chunking.pipeline,
                    introducedNames: Retriever.introducedNames(in: Self.opening(of: chunks)),
                    pageSources: Dictionary(uniqueKeysWithValues: prepared.pages.compactMap { page in
                        page.ocr.map { (page.number, PageSourceRecord(number: page.number, source: "ocr",
                                                                      confidence: $0.confidence,
                                                                      wordBoxes: WordBoxCoding.encode($0.words))) }
                    })),
                    replacing: previous)
                return .ingested(record, replaced: previous != nil)
            } catch {
                return .failed(path: path, message: "\(error)")
            }
        }
    }
}
