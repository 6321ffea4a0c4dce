import Foundation

/// Extracts files on `jobs` threads (each driving one worker process, so one Poppler document per process) and
/// hands the results to the consuming thread as they finish. At most `jobs` finished results wait, so extraction
/// runs ahead of embedding by a bounded amount.
/// `@unchecked Sendable`: `condition` guards `nextToStart`, `ready` and `delivered`; the rest are `let`s, and each
/// thread drives its own `extractor.forAnotherThread()`.
final class ExtractionPipeline: Sequence, IteratorProtocol, @unchecked Sendable {
    private let files: [URL]
    private let password: String?
    private let extractor: DocumentExtractor
    private let condition = NSCondition()
    private var nextToStart = 0
    /// Indices into `files`, largest file first: a long document started last would leave one core idle at the end.
    private let order: [Int]
    private var ready: [(Int, ExtractionResult)] = []
    private var delivered = 0
    private let jobs: Int
    /// (file index, pages extracted, pages in all), called on the extraction threads.
    private let pageProgress: ((Int, Int, Int) -> Void)?

    init(files: [URL], jobs: Int, password: String?, extractor: DocumentExtractor,
         pageProgress: ((Int, Int, Int) -> Void)? = nil) {
        self.files = files
        self.pageProgress = pageProgress
        self.password = password
        self.extractor = extractor
        self.jobs = Swift.max(jobs, 1)
        let sizes = files.map { (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? 0 }
        self.order = files.indices.sorted { sizes[$0] > sizes[$1] || (sizes[$0] == sizes[$1] && $0 < $1) }
        for _ in 0..<Swift.min(self.jobs, files.count) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        let extractor = self.extractor.forAnotherThread()
        defer { (extractor as? WorkerProcessExtractor)?.stop() }
        while true {
            condition.lock()
            // Back-pressure: do not run further ahead of the consumer than one result per job.
            while ready.count >= jobs && nextToStart < files.count { condition.wait() }
            guard nextToStart < files.count else { condition.unlock(); return }
            let index = order[nextToStart]
            nextToStart += 1
            condition.unlock()

            let report = pageProgress
            let result = extractor.prepare(file: files[index], password: password,
                                           progress: report.map { report in { done, total in report(index, done, total) } })

            condition.lock()
            ready.append((index, result))
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next finished file (its position in `files`) and its result; nil when all were delivered.
    func next() -> (Int, ExtractionResult)? {
        condition.lock()
        defer { condition.unlock() }
        guard delivered < files.count else { return nil }
        while ready.isEmpty { condition.wait() }
        delivered += 1
        let item = ready.removeFirst()
        condition.broadcast()
        return item
    }
}

/// Extracts and chunks many files on `jobs` threads, each driving its own extractor call (a worker process with
/// `WorkerProcessExtractor`): what `folio ingest` does before embedding, exposed for `folio-bench extract`.
public enum ParallelExtraction {
    /// Results in the order of `files`.
    public static func run(files: [URL], jobs: Int, password: String? = nil,
                           extractor: DocumentExtractor) -> [ExtractionResult] {
        var results = [ExtractionResult?](repeating: nil, count: files.count)
        for (index, result) in ExtractionPipeline(files: files, jobs: jobs, password: password, extractor: extractor) {
            results[index] = result
        }
        return results.map { $0 ?? .failed("no result") }
    }
}
