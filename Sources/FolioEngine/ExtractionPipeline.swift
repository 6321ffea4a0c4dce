import Foundation

/// Extracts files on `jobs` threads (each driving one worker process, so one Poppler document per process) and
/// hands the results to the consuming thread as they finish. At most `jobs` finished results wait, so extraction
/// runs ahead of embedding by a bounded amount.
final class ExtractionPipeline: Sequence, IteratorProtocol, @unchecked Sendable {
    private let files: [URL]
    private let password: String?
    private let extractor: DocumentExtractor
    private let condition = NSCondition()
    private var nextToStart = 0
    private var ready: [(Int, ExtractionResult)] = []
    private var delivered = 0
    private let jobs: Int

    init(files: [URL], jobs: Int, password: String?, extractor: DocumentExtractor) {
        self.files = files
        self.password = password
        self.extractor = extractor
        self.jobs = Swift.max(jobs, 1)
        for _ in 0..<Swift.min(self.jobs, files.count) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            // Back-pressure: do not run further ahead of the consumer than one result per job.
            while ready.count >= jobs && nextToStart < files.count { condition.wait() }
            guard nextToStart < files.count else { condition.unlock(); return }
            let index = nextToStart
            nextToStart += 1
            condition.unlock()

            let result = extractor.prepare(file: files[index], password: password)

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
