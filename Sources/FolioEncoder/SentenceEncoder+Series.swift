import FolioTensor
import Foundation

extension SentenceEncoder {
    /// Embeds the texts of a series of items (documents) with one set of worker threads that never waits at an
    /// item's end: while the caller handles one item's vectors, the workers already run the next item's batches.
    ///
    /// ``embed(_:batchSize:)`` called once per document leaves a core idle while the other finishes the
    /// document's last batch, and idle again while the caller stores the result; over a corpus of short
    /// documents that is a few percent of the time.
    ///
    /// - Parameters:
    ///   - items: pulled one at a time on the calling thread, at most two ahead of the one being handled (it
    ///     may block, e.g. while a document is extracted).
    ///   - batchSize: the most sequences run through the model together.
    ///   - texts: an item's texts (none for an item that has nothing to embed).
    ///   - started: called on the calling thread when an item's batches are queued.
    ///   - progress: called on the calling thread while it waits for an item, with (texts embedded, texts in all).
    ///   - handle: called on the calling thread with each item and one unit vector per text, in the order of
    ///     `items`.
    public func embedSeries<Items: Sequence>(_ items: Items, batchSize: Int = 32,
                                             texts: (Items.Element) -> [String],
                                             started: (Items.Element) -> Void = { _ in },
                                             progress: (Items.Element, Int, Int) -> Void = { _, _, _ in },
                                             handle: (Items.Element, [[Float]]) -> Void) {
        precondition(batchSize > 0, "batchSize must be positive")
        let workers = threadCount
        let queue = SeriesQueue()
        let model = self.model
        let dimension = self.dimension
        let group = DispatchGroup()
        for _ in 0 ..< workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var workspace: BertWorkspace?
                while let job = queue.take() {
                    let scratch = BertWorkspace.reusing(workspace, for: job.sequences, threads: 1,
                                                        configuration: model.configuration)
                    workspace = scratch
                    model.encode(job.sequences, workspace: scratch,
                                 outputs: job.rows.map { job.item.output.pointer + $0 * dimension })
                    queue.finish(job)
                }
            }
        }

        var iterator = items.makeIterator()
        var inFlight: [(element: Items.Element, item: SeriesItem)] = []
        func fill() {
            while inFlight.count < 2, let element = iterator.next() {
                let ids = texts(element).map { tokenizer.encode($0, maxLength: maxLength) }
                let item = SeriesItem(count: ids.count, dimension: dimension)
                let jobs = Self.batches(ids, batchSize: batchSize, workers: workers).map { rows in
                    SeriesJob(item: item, rows: rows, sequences: rows.map { ids[$0] })
                }
                started(element)
                queue.add(jobs, of: item)
                inFlight.append((element, item))
            }
        }
        fill()
        while !inFlight.isEmpty {
            let (element, item) = inFlight.removeFirst()
            queue.wait(for: item) { done in progress(element, done, item.count) }
            fill()  // queue the next item before handling this one, so the workers stay busy meanwhile
            handle(element, Self.rows(of: item.output, count: item.count, width: dimension))
        }
        queue.close()
        group.wait()
    }
}

/// One item's output rows and how many of its batches are still to run.
/// `@unchecked Sendable`: `SeriesQueue`'s `condition` guards `remaining`; `count` and `output` are `let`s, the
/// workers write disjoint rows of `output` (each job its own `rows`), and the caller reads them only after
/// `wait(for:)` has seen `remaining == 0` under that condition.
private final class SeriesItem: @unchecked Sendable {
    let count: Int
    let output: FloatBuffer
    var remaining = 0  // guarded by the queue's condition
    var rowsDone = 0  // guarded by the queue's condition

    init(count: Int, dimension: Int) {
        self.count = count
        self.output = FloatBuffer(count: max(count, 1) * dimension)
    }
}

/// One batch: which rows of its item's output the sequences fill.
/// `@unchecked Sendable`: immutable after init (all `let`s); the shared `item` is safe by its own invariant.
private struct SeriesJob: @unchecked Sendable {
    let item: SeriesItem
    let rows: [Int]
    let sequences: [[Int32]]
}

/// Batches waiting for a worker, in the order the items came, and the items' completion.
/// `@unchecked Sendable`: `condition` guards `jobs`, `head` and `closed` (and each queued item's `remaining`).
private final class SeriesQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [SeriesJob] = []
    private var head = 0
    private var closed = false

    func add(_ new: [SeriesJob], of item: SeriesItem) {
        condition.lock()
        item.remaining += new.count
        jobs.append(contentsOf: new)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil once the queue is closed and empty.
    func take() -> SeriesJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
        return job
    }

    func finish(_ job: SeriesJob) {
        condition.lock()
        job.item.remaining -= 1
        job.item.rowsDone += job.rows.count
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every batch of `item` ran, reporting the rows done each time that changes (outside the lock).
    func wait(for item: SeriesItem, progress: (Int) -> Void = { _ in }) {
        var reported = -1
        while true {
            condition.lock()
            while item.remaining > 0 && item.rowsDone == reported { condition.wait() }
            let done = item.rowsDone, finished = item.remaining == 0
            condition.unlock()
            if finished { return }
            reported = done
            progress(done)
        }
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
