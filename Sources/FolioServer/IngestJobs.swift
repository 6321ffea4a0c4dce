import FolioEngine
import FolioStore
import Foundation
import ServiceLifecycle

/// One uploaded PDF on its way into the store.
struct IngestJob: Sendable {
    enum State: String, Sendable {
        case queued, extracting, embedding, done, failed
        var isFinished: Bool { self == .done || self == .failed }
    }

    let id: String
    /// The client's file name, cleaned (display only).
    let file: String
    /// Where Folio stored the upload (under the store's `uploads/`).
    let path: URL
    let sha256: String
    var state: State = .queued
    var pagesDone = 0
    var pagesTotal: Int?
    var chunks = 0
    /// While embedding: chunks embedded of the document's chunks.
    var chunksDone = 0
    var chunksTotal: Int?
    var document: DocumentRecord?
    var error: String?
    let createdAt = Date()
    var startedAt: Date?
    var finishedAt: Date?

    var json: [String: Any] {
        var object: [String: Any] = [
            "id": id, "file": file, "state": state.rawValue, "pages_done": pagesDone,
            "pages_total": pagesTotal ?? NSNull(), "chunks": chunks, "chunks_done": chunksDone,
            "chunks_total": chunksTotal ?? NSNull(),
            "document": document.map(DocumentJSON.make) ?? NSNull(), "error": error ?? NSNull(),
            "created_at": DocumentJSON.timestamp(createdAt),
        ]
        let end = finishedAt ?? Date()
        object["elapsed_ms"] = Int((end.timeIntervalSince(startedAt ?? end)) * 1000)
        object["queued_ms"] = Int(((startedAt ?? end).timeIntervalSince(createdAt)) * 1000)
        return object
    }
}

/// The `Document` object of the API.
enum DocumentJSON {
    static func make(_ document: DocumentRecord) -> [String: Any] {
        [
            "id": document.id, "file": document.fileName, "title": document.title, "pages": document.pageCount,
            "chunks": document.chunkCount, "sha256": document.sha256,
            "ingested_at": timestamp(document.ingestedAt),
        ]
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
            .timeSeparator(.colon).timeZone(separator: .omitted)) 
    }
}

/// The server's ingest queue: uploads become jobs, run one at a time per store through exactly the path of
/// `folio ingest` (a worker process per document, its time limit, one transaction per document).
///
/// Jobs live in memory; the uploaded files live in the store's `uploads/` folder, so a restart loses no upload:
/// `requeueUnstored` queues again every upload the store does not hold. On graceful shutdown (SIGTERM) the
/// current document is finished (its transaction commits or nothing of it is stored) and the queue stops.
///
/// `@unchecked Sendable`: every mutable field is guarded by `lock`.
final class IngestQueue: Service, @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [String: IngestJob] = [:]
    private var order: [String] = []
    private var watchers: [String: [UUID: AsyncStream<IngestJob>.Continuation]] = [:]
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var stopping = false
    private var running: String?

    private let engine: Folio
    private let options: IngestOptions
    private let maxQueued: Int
    private let uploadsDirectory: URL
    /// Called after each finished job (the query engines re-read the store).
    let onChange: @Sendable () -> Void

    init(engine: Folio, options: IngestOptions, maxQueued: Int, uploadsDirectory: URL,
         onChange: @escaping @Sendable () -> Void = {}) {
        self.engine = engine
        self.options = options
        self.maxQueued = maxQueued
        self.uploadsDirectory = uploadsDirectory
        self.onChange = onChange
    }

    // MARK: queue

    /// Queues an upload; an upload of the same content already queued or running returns that job instead.
    /// - Throws: `APIError` 429 when `maxQueued` jobs are waiting, 503 while the server shuts down.
    func enqueue(file: String, path: URL, sha256: String) throws -> IngestJob {
        let job: IngestJob = try lock.withLock {
            if stopping { throw APIError(.serviceUnavailable, "shutting_down", "the server is shutting down; upload \(file) again once it is back") }
            if let same = order.lazy.compactMap({ self.jobs[$0] }).first(where: { $0.sha256 == sha256 && !$0.state.isFinished }) {
                return same
            }
            let waiting = jobs.values.filter { $0.state == .queued }.count
            guard waiting < maxQueued else {
                throw APIError(.tooManyRequests, "queue_full",
                               "\(waiting) uploads are already waiting to be ingested; upload \(file) again when some are done",
                               headers: [.retryAfter: "30"])
            }
            let job = IngestJob(id: UUID().uuidString.lowercased(), file: file, path: path, sha256: sha256)
            jobs[job.id] = job
            order.append(job.id)
            forgetOldJobs()
            return job
        }
        signal()
        return job
    }

    /// Finished jobs beyond the newest 200 are forgotten (their documents are in the store).
    private func forgetOldJobs() {
        let finished = order.filter { jobs[$0]?.state.isFinished == true }
        guard finished.count > 200 else { return }
        let drop = Set(finished.prefix(finished.count - 200))
        order.removeAll { drop.contains($0) }
        for id in drop { jobs[id] = nil }
    }

    func job(_ id: String) -> IngestJob? { lock.withLock { jobs[id] } }

    func allJobs() -> [IngestJob] { lock.withLock { order.compactMap { jobs[$0] } } }

    var pendingCount: Int { lock.withLock { jobs.values.filter { !$0.state.isFinished }.count } }

    /// The job's states from now on (the current one first), until it is done or failed.
    func watch(_ id: String) -> AsyncStream<IngestJob>? {
        let (stream, continuation) = AsyncStream<IngestJob>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let key = UUID()
        let current: IngestJob? = lock.withLock {
            guard let job = jobs[id] else { return nil }
            if !job.state.isFinished { watchers[id, default: [:]][key] = continuation }
            return job
        }
        guard let current else { return nil }
        continuation.yield(current)
        if current.state.isFinished { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.watchers[id]?.removeValue(forKey: key) }
        }
        return stream
    }

    private func update(_ id: String, _ change: (inout IngestJob) -> Void) {
        let (job, targets): (IngestJob?, [AsyncStream<IngestJob>.Continuation]) = lock.withLock {
            guard var job = jobs[id] else { return (nil, []) }
            change(&job)
            jobs[id] = job
            let targets = Array(watchers[id]?.values ?? [:].values)
            if job.state.isFinished { watchers[id] = nil }
            return (job, targets)
        }
        guard let job else { return }
        for target in targets {
            target.yield(job)
            if job.state.isFinished { target.finish() }
        }
    }

    /// Queues every upload a previous run received but did not store (the server stopped first), and removes
    /// half-received files: nothing a client sent is lost, nothing partial stays.
    func requeueUnstored() {
        let manager = FileManager.default
        try? manager.removeItem(at: uploadsDirectory.appendingPathComponent(".incoming"))
        guard let folders = try? manager.contentsOfDirectory(at: uploadsDirectory, includingPropertiesForKeys: nil) else { return }
        for folder in folders.sorted(by: { $0.path < $1.path }) where !folder.lastPathComponent.hasPrefix(".") {
            guard let file = (try? manager.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil))?
                    .first(where: { $0.pathExtension.lowercased() == "pdf" }),
                  let sha = try? SHA256.hex(ofFile: file) else { continue }
            if (try? engine.store.document(sha256: sha)) != nil { continue }
            _ = try? enqueue(file: file.lastPathComponent, path: file, sha256: sha)
        }
    }

    // MARK: running

    private func signal() {
        let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
            defer { wakeUp = nil }
            return wakeUp
        }
        waiter?.resume()
    }

    private func nextJob() -> IngestJob? {
        lock.withLock {
            guard !stopping, let id = order.first(where: { jobs[$0]?.state == .queued }) else { return nil }
            running = id
            return jobs[id]
        }
    }

    /// Waits for `signal()` unless there is already work (or a stop) to see.
    private func waitForWork() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = lock.withLock {
                if stopping || order.contains(where: { jobs[$0]?.state == .queued }) { return true }
                wakeUp = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func beginShutdown() {
        lock.withLock { stopping = true }
        signal()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            while true {
                if lock.withLock({ stopping }) { break }
                guard let job = nextJob() else {
                    await waitForWork()
                    continue
                }
                await process(job)
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
    }

    /// Ingests one job's file; the job ends done (with its document) or failed (with the CLI's one-line message,
    /// naming the upload by the client's file name), and a failed upload's file is removed.
    private func process(_ job: IngestJob) async {
        update(job.id) {
            $0.state = .extracting
            $0.startedAt = Date()
        }
        let engine = self.engine
        let options = self.options
        let id = job.id
        let report: IngestReport
        do {
            report = try await BlockingWork.run { [self] in
                try engine.ingest(paths: [job.path.path], options: options) { progress in
                    switch progress.phase {
                    case "extracting":
                        self.update(id) {
                            $0.state = .extracting
                            $0.pagesDone = progress.pagesDone
                            $0.pagesTotal = progress.pagesTotal
                        }
                    case "embedding":
                        self.update(id) {
                            $0.state = .embedding
                            $0.chunksDone = progress.chunksDone
                            $0.chunksTotal = progress.chunksTotal
                        }
                    default: break
                    }
                }
            }
        } catch {
            finish(job, error: "\(error)")
            return
        }
        let shown = { (message: String) in message.replacingOccurrences(of: job.path.path, with: job.file) }
        guard let outcome = report.outcomes.first else {
            finish(job, error: shown(report.pathErrors.first ?? "\(job.file): nothing was stored"))
            return
        }
        switch outcome {
        case .ingested(let document, _), .unchanged(let document), .moved(let document, _):
            update(job.id) {
                $0.state = .done
                $0.document = document
                $0.chunks = document.chunkCount
                $0.pagesTotal = document.pageCount
                $0.pagesDone = document.pageCount
                $0.finishedAt = Date()
            }
            onChange()
        case .duplicate(_, let original):
            let document = try? engine.store.documents(matching: original).first
            try? FileManager.default.removeItem(at: job.path.deletingLastPathComponent())
            update(job.id) {
                $0.state = .done
                $0.document = document
                $0.chunks = document?.chunkCount ?? 0
                $0.finishedAt = Date()
            }
        case .failed(_, let message):
            finish(job, error: shown(message))
        }
        lock.withLock { running = nil }
    }

    private func finish(_ job: IngestJob, error: String) {
        // Nothing partial is kept: the upload goes with its failure.
        try? FileManager.default.removeItem(at: job.path.deletingLastPathComponent())
        update(job.id) {
            $0.state = .failed
            $0.error = error
            $0.finishedAt = Date()
        }
        lock.withLock { running = nil }
    }
}
