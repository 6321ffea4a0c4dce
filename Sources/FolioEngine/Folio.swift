import FolioEncoder
import FolioStore
import Foundation

/// The facade the CLI talks to: one store, one model, the whole pipeline.
///
/// The model is loaded on first use, so commands that only read the store (`docs`, `chunks`, `remove`)
/// start instantly and work without it.
///
/// Not thread-safe: one `Folio` serves one caller at a time. `@unchecked Sendable` so it can be handed from thread
/// to thread; the invariant that makes this safe is exclusive use (the CLI has one thread; the server's
/// `EnginePool` lends each instance to one request at a time and takes it back before lending it again).
public final class Folio: @unchecked Sendable {
    public let store: FolioStore
    private let modelDirectory: () throws -> URL
    private var loadedEncoder: SentenceEncoder?
    private var loadedRetriever: Retriever?
    /// The store's `contentSignature` when `loadedRetriever` was made: another process's ingest changes it.
    private var retrieverSignature: String?
    public var answerer = Answerer()
    /// How a follow-up in a conversation is read without an LLM.
    public var followUps = FollowUpReader()
    /// How `search` and `ask` retrieve; changing it applies to the next query.
    public var retrieval = RetrievalSettings()
    public var chunking = ChunkingOptions()
    /// Flat or HNSW, and when (`--exact`, the HNSW threshold).
    public var indexPolicy = IndexPolicy()
    /// Threads the encoder splits one embedding over (nil: one per core). The server's query engines use one
    /// each, since several requests already run side by side; set before the encoder is first loaded.
    public var encoderThreads: Int?
    /// Checked files and page layouts for the page calls (`Folio+Pages.swift`); thread-safe on its own lock.
    let pageCache = PageCache()

    /// - Parameters:
    ///   - storeDirectory: the folder holding `folio.sqlite` (created when missing unless `readOnly`).
    ///   - modelDirectory: resolves the model folder when the model is first needed.
    public init(storeDirectory: URL, readOnly: Bool = false, modelDirectory: @escaping () throws -> URL) throws {
        store = try FolioStore(directory: storeDirectory, readOnly: readOnly)
        self.modelDirectory = modelDirectory
    }

    /// The sentence encoder, loaded on first use.
    public func encoder() throws -> SentenceEncoder {
        if let loadedEncoder { return loadedEncoder }
        let encoder = try SentenceEncoder(modelDirectory: try modelDirectory(), threadCount: encoderThreads)
        loadedEncoder = encoder
        return encoder
    }

    func retriever() throws -> Retriever {
        // A document added or removed since (by this process or another `folio`): the index must see it.
        let signature = try store.contentSignature()
        if signature != retrieverSignature {
            loadedRetriever = nil
            retrieverSignature = signature
        }
        if let loadedRetriever {
            loadedRetriever.settings = retrieval
            loadedRetriever.indexPolicy = indexPolicy
            return loadedRetriever
        }
        let retriever = Retriever(store: store, encoder: try encoder(), settings: retrieval)
        retriever.indexPolicy = indexPolicy
        loadedRetriever = retriever
        return retriever
    }

    /// Ingests PDFs (files or folders); see `Ingestor`.
    public func ingest(paths: [String], password: String? = nil,
                       progress: ((IngestProgress) -> Void)? = nil) throws -> IngestReport {
        try ingest(paths: paths, options: IngestOptions(password: password), progress: progress)
    }

    /// Ingests PDFs (files or folders) with worker processes and a time limit per document; see `Ingestor`.
    public func ingest(paths: [String], options: IngestOptions,
                       progress: ((IngestProgress) -> Void)? = nil) throws -> IngestReport {
        let vocabulary = try modelDirectory().appendingPathComponent("vocab.txt")
        let report = Ingestor(store: store, encoder: try encoder(), chunking: chunking, vocabulary: vocabulary)
            .ingest(paths: paths, options: options, progress: progress)
        loadedRetriever = nil  // the index must see the new chunks
        return report
    }

    /// Resolves `--doc` names to stored document ids; nil when `names` is empty (no filter).
    /// - Throws: `FolioEngineError.unknownDocument` for a name that matches nothing.
    public func documentIDs(named names: [String]) throws -> [Int64]? {
        guard !names.isEmpty else { return nil }
        var ids: [Int64] = []
        for name in names {
            let matches = try store.documents(matching: name)
            guard !matches.isEmpty else {
                throw FolioEngineError.unknownDocument(name: name, known: try store.documents().map(\.fileName))
            }
            ids += matches.map(\.id)
        }
        return ids
    }

    func requireDocuments() throws {
        if try store.chunkCount() == 0 { throw FolioEngineError.emptyStore(path: store.url.path) }
    }

    /// The `k` chunks closest to `query`, best first.
    public func search(_ query: String, k: Int = 10, documents: [String] = []) throws -> [RetrievedChunk] {
        try search(query, k: k, documentIDs: try documentIDs(named: documents))
    }

    /// The `k` chunks closest to `query`, best first, only from `documentIDs` when given.
    public func search(_ query: String, k: Int = 10, documentIDs: [Int64]?) throws -> [RetrievedChunk] {
        try requireDocuments()
        return try retriever().search(query, k: k, documentIDs: documentIDs)
    }

    /// The `k` chunks closest to `query` with the lexical scorer the answerer needs.
    public func retrieve(_ query: String, k: Int = 10, documents: [String] = []) throws -> Retrieval {
        try retrieve(query, k: k, documentIDs: try documentIDs(named: documents))
    }

    /// ``retrieve(_:k:documents:)`` by document id.
    public func retrieve(_ query: String, k: Int = 10, documentIDs: [Int64]?) throws -> Retrieval {
        try requireDocuments()
        return try retriever().retrieve(query, k: k, documentIDs: documentIDs)
    }

    /// An extractive answer with citations, or an abstention.
    public func ask(_ question: String, k: Int = 5, documents: [String] = []) throws -> Answer {
        try ask(question, k: k, documentIDs: try documentIDs(named: documents))
    }

    /// ``ask(_:k:documents:)`` by document id (nil: every document).
    public func ask(_ question: String, k: Int = 5, documentIDs: [Int64]?) throws -> Answer {
        try answer(question, retrieval: try retrieve(question, k: k, documentIDs: documentIDs))
    }

    /// The extractive answer to `question` from `retrieval`, its candidate sentences compared in meaning with the
    /// question by this store's encoder.
    /// - Throws: when the model cannot be loaded.
    public func answer(_ question: String, retrieval: Retrieval) throws -> Answer {
        answerer.answer(question, retrieval: retrieval, encoder: retrieval.queryVector == nil ? nil : try encoder())
    }

    /// Removes stored documents by file name or path.
    /// - Returns: the removed documents.
    public func remove(_ names: [String]) throws -> [DocumentRecord] {
        var removed: [DocumentRecord] = []
        for name in names {
            let matches = try store.documents(matching: name)
            guard !matches.isEmpty else {
                throw FolioEngineError.unknownDocument(name: name, known: try store.documents().map(\.fileName))
            }
            for document in matches {
                try removeDocument(document)
                removed.append(document)
            }
        }
        loadedRetriever = nil
        return removed
    }

    /// The folder of the store where `folio serve` keeps uploaded PDFs (a folder per upload).
    public var uploadsDirectory: URL { store.url.deletingLastPathComponent().appendingPathComponent("uploads", isDirectory: true) }

    /// Removes one stored document (its chunks and vectors in the same transaction) and, when it was uploaded to
    /// `folio serve`, its uploaded file, so a server restart does not ingest it again. A PDF read from the user's
    /// own folders is never touched.
    public func removeDocument(_ document: DocumentRecord) throws {
        try store.remove(documentID: document.id)
        let uploads = uploadsDirectory.standardizedFileURL.path + "/"
        let file = URL(fileURLWithPath: document.path).standardizedFileURL
        if file.path.hasPrefix(uploads) {
            try? FileManager.default.removeItem(at: file.deletingLastPathComponent())
        }
        loadedRetriever = nil
    }
}
