import FolioEncoder
import FolioPDF
import FolioStore
import FolioText
import FolioTokenizer
import Foundation

/// What happened to one file in an ingest run.
public enum IngestOutcome: Sendable {
    /// Extracted, chunked, embedded and stored; `replaced` when an older version of the file was replaced.
    case ingested(DocumentRecord, replaced: Bool)
    /// Already stored with the same content (sha256); nothing was read but the file's bytes.
    case unchanged(DocumentRecord)
    /// Already stored with the same content under another path; the stored path was updated.
    case moved(DocumentRecord, from: String)
    /// Not stored, with a one-line reason naming the file and the fix.
    case failed(path: String, message: String)
    /// Nothing to store (no text layer), with a warning.
    case skipped(path: String, message: String)

    public var path: String {
        switch self {
        case .ingested(let d, _), .unchanged(let d), .moved(let d, _): return d.path
        case .failed(let p, _), .skipped(let p, _): return p
        }
    }
}

/// Progress of an ingest run, for a progress line.
public struct IngestProgress: Sendable {
    public var completed: Int
    public var total: Int
    public var currentFile: String
    public var phase: String
}

/// The summary of an ingest run.
public struct IngestReport: Sendable {
    public var outcomes: [IngestOutcome] = []
    /// Arguments that named no file (missing paths, folders without PDFs), as one-line messages.
    public var pathErrors: [String] = []

    public var ingested: Int { outcomes.filter { if case .ingested = $0 { true } else { false } }.count }
    public var unchanged: Int {
        outcomes.filter { switch $0 { case .unchanged, .moved: true; default: false } }.count
    }
    public var failed: Int { outcomes.filter { if case .failed = $0 { true } else { false } }.count + pathErrors.count }
    public var skipped: Int { outcomes.filter { if case .skipped = $0 { true } else { false } }.count }
    public var chunks: Int {
        outcomes.reduce(0) { if case .ingested(let d, _) = $1 { $0 + d.chunkCount } else { $0 } }
    }
}

/// Turns PDFs into stored, embedded chunks: hash → extract (Poppler) → normalize → chunk → embed → store.
public struct Ingestor {
    let store: FolioStore
    let encoder: SentenceEncoder
    let preparer: DocumentPreparer

    public init(store: FolioStore, encoder: SentenceEncoder, chunking: ChunkingOptions = .init()) {
        self.store = store
        self.encoder = encoder
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

    /// Ingests every PDF named by `paths`; a failing file costs only itself.
    public func ingest(paths: [String], password: String? = nil,
                       progress: ((IngestProgress) -> Void)? = nil) -> IngestReport {
        let (files, errors) = Self.collectFiles(paths)
        var report = IngestReport()
        report.pathErrors = errors
        for (index, file) in files.enumerated() {
            progress?(IngestProgress(completed: index, total: files.count, currentFile: file.lastPathComponent,
                                     phase: "reading"))
            report.outcomes.append(ingest(file: file, password: password) { phase in
                progress?(IngestProgress(completed: index, total: files.count, currentFile: file.lastPathComponent,
                                         phase: phase))
            })
        }
        progress?(IngestProgress(completed: files.count, total: files.count, currentFile: "", phase: "done"))
        return report
    }

    /// Ingests one file.
    public func ingest(file: URL, password: String? = nil, phase: (String) -> Void = { _ in }) -> IngestOutcome {
        let path = file.path
        do {
            guard FileManager.default.isReadableFile(atPath: path) else {
                if !FileManager.default.fileExists(atPath: path) {
                    return .failed(path: path, message: FolioPDFError.fileNotFound(path: path).description)
                }
                return .failed(path: path, message: FolioPDFError.unreadable(path: path, reason: "permission denied").description)
            }
            let sha = try SHA256.hex(ofFile: file)
            if let existing = try store.document(sha256: sha) {
                if existing.path != path {
                    if FileManager.default.fileExists(atPath: existing.path) && existing.fileName == file.lastPathComponent {
                        return .unchanged(existing)  // a copy of a stored file: keep the original location
                    }
                    try store.updateLocation(documentID: existing.id, path: path, fileName: file.lastPathComponent)
                    var moved = existing
                    moved.path = path
                    moved.fileName = file.lastPathComponent
                    return .moved(moved, from: existing.path)
                }
                return .unchanged(existing)
            }
            // A changed file: same path, different content: replace it atomically.
            let previous = try store.documents(matching: path).first { $0.path == path }

            phase("extracting")
            let extracted = try ExtractedDocument.extract(from: file, password: password)
            let prepared = preparer.prepare(extracted)
            guard !prepared.chunks.isEmpty else {
                return .skipped(path: path, message: FolioEngineError.noTextLayer(path: path).description)
            }
            phase("embedding \(prepared.chunks.count) chunks")
            let vectors = encoder.embed(prepared.chunks.map(\.embeddingText))
            phase("storing")
            let chunks = zip(prepared.chunks, vectors).map { chunk, vector in
                NewChunk(ordinal: chunk.chunk.ordinal, pageStart: chunk.chunk.pageStart, pageEnd: chunk.chunk.pageEnd,
                         section: chunk.chunk.section, text: chunk.chunk.text, tokenCount: chunk.chunk.tokenCount,
                         embedding: vector)
            }
            let record = try store.insert(NewDocument(
                path: path, fileName: file.lastPathComponent, sha256: sha, title: extracted.title,
                author: extracted.author, pages: extracted.pages.map { ($0.number, $0.text) }, chunks: chunks),
                replacing: previous?.id)
            return .ingested(record, replaced: previous != nil)
        } catch let error as FolioPDFError {
            return .failed(path: path, message: error.description)
        } catch let error as FolioStoreError {
            return .failed(path: path, message: error.description)
        } catch {
            return .failed(path: path, message: "\(path): \(error)")
        }
    }
}
