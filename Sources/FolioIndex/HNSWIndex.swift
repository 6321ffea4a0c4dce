import CIntrinsics
import Foundation

/// Build and search parameters of an `HNSWIndex`, named as in the paper.
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper layers; level 0 keeps up to `M0 = 2·M`.
    public var M: Int
    /// Size of the dynamic candidate list while inserting (`efConstruction`).
    public var efConstruction: Int
    /// Default size of the dynamic candidate list while searching (`ef`); at least `k` is always used.
    public var efSearch: Int
    /// Seeds the level draw, so a single-threaded build is reproducible.
    public var seed: UInt64

    /// - Parameters:
    ///   - M: links per node on the upper layers (2...255).
    ///   - efConstruction: candidate list size while inserting (at least 1).
    ///   - efSearch: default candidate list size while searching (at least 1).
    public init(M: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 0x5EED) {
        precondition(M >= 2 && M <= 255, "M must be in 2...255")
        precondition(efConstruction >= 1 && efSearch >= 1, "ef must be positive")
        self.M = M
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.seed = seed
    }

    /// Links per node on level 0.
    public var M0: Int { 2 * M }
    /// The level multiplier `mL = 1 / ln(M)`.
    public var mL: Double { 1 / log(Double(M)) }
}

/// Approximate nearest-neighbour search with a Hierarchical Navigable Small World graph: Yu. A. Malkov and
/// D. A. Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
/// World graphs", IEEE TPAMI 42(4), 2020 (arXiv:1603.09320, 2016).
///
/// Each node draws a top level `⌊-ln(U)·mL⌋`; inserts search each layer with `searchLayer` (`efConstruction`
/// candidates) and link to the neighbours `selectNeighborsHeuristic` keeps, up to `M` (`M0` on level 0), pruning
/// neighbours' lists the same way. Distances are `-⟨q, x⟩` on unit vectors, so scores are cosine similarities.
///
/// Memory follows hnswlib: level 0 is one contiguous buffer of fixed-size records
/// `[link count, M0 links | vector]` (`// [nodes, stride]`), so a node's links and vector share cache lines;
/// upper levels are a small block per node that has them. Removal is a tombstone (the node still routes
/// searches); `compact()` rebuilds without them.
///
/// Concurrency: any number of searches may run at once; `add`, `remove`, `compact` and `save` take the index
/// alone. `add(ids:vectors:threads:)` may itself insert on several threads, with a lock per neighbour list.
/// `@unchecked Sendable`: `rw` guards the storage and counters (`level0` … `mapping`, `efSearchValue`): searches
/// and `save` hold it shared, `add`, `remove`, `compact` and `load` alone; within a multi-threaded `add` (write
/// lock held) `globalLock` guards `entryPoint` and `maxLevel` and `nodeLocks` each neighbour list; `scratchLock`
/// guards `scratchPool`.
/// - Complexity: about O(log n) distance evaluations per search and per insert.
public final class HNSWIndex: VectorIndex, @unchecked Sendable {
    /// Dimension of every vector.
    public let dimension: Int
    /// Build parameters; `efSearch` can be changed later through `efSearch`.
    public let parameters: HNSWParameters

    let M: Int
    let M0: Int
    /// Bytes of a level-0 record before its vector: link count + `M0` links, padded to a cache line.
    let linkBytes: Int
    /// Bytes of one level-0 record (links + vector), a multiple of 64.
    let stride: Int

    let rw = ReadWriteLock()
    private let nodeLocks = StripedLocks()
    private let globalLock = NSLock()
    private let scratchLock = NSLock()
    private var scratchPool: [SearchScratch] = []

    // Storage. `level0` and `ids` may point into a mapped file (see HNSWIndex+Persistence); the rest is owned.
    var level0: UnsafeMutableRawPointer             // [capacity, stride]
    var ids: UnsafeMutablePointer<Int64>            // [capacity]
    var levels: UnsafeMutablePointer<UInt8>         // [capacity]
    var deleted: UnsafeMutablePointer<UInt8>        // [capacity], 1 = tombstone
    var upper: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>  // [capacity] -> [level, 1 + M]
    var capacity: Int
    var nodeCount = 0
    var deletedCount = 0
    var entryPoint = -1
    var maxLevel = -1
    var nodeOf: [Int64: UInt32] = [:]
    var rng: SplitMix64
    /// The mapped file `level0` and `ids` live in, when loaded with `load(from:)`; nil when they are owned.
    var mapping: MappedFile?
    private var efSearchValue: Int
    /// `efSearch` for callers that already hold the lock.
    var efSearchLocked: Int { efSearchValue }

    /// Creates an empty index.
    /// - Parameters:
    ///   - dimension: components of every vector (unit vectors: scores are inner products).
    ///   - parameters: `M`, `efConstruction`, `efSearch`, seed.
    ///   - capacity: nodes to reserve room for (it grows as needed).
    public init(dimension: Int, parameters: HNSWParameters = HNSWParameters(), capacity: Int = 1024) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        self.parameters = parameters
        M = parameters.M
        M0 = parameters.M0
        linkBytes = Self.roundUp((1 + parameters.M0) * 4, to: 64)
        stride = linkBytes + Self.roundUp(dimension * 4, to: 64)
        rng = SplitMix64(state: parameters.seed)
        efSearchValue = parameters.efSearch
        self.capacity = max(capacity, 16)
        level0 = Self.allocateLevel0(byteCount: self.capacity * stride)
        ids = .allocate(capacity: self.capacity)
        levels = .allocate(capacity: self.capacity)
        deleted = .allocate(capacity: self.capacity)
        upper = .allocate(capacity: self.capacity)
        upper.initialize(repeating: nil, count: self.capacity)
    }

    deinit { freeStorage() }

    func freeStorage() {
        for node in 0..<nodeCount { upper[node]?.deallocate() }
        if mapping == nil {
            Self.deallocateLevel0(level0, byteCount: capacity * stride)
            ids.deallocate()
        }
        mapping = nil
        levels.deallocate()
        deleted.deallocate()
        upper.deallocate()
    }

    /// Level-0 records come from an anonymous mapping (zeroed, page-aligned) with transparent huge pages
    /// requested: searches jump between random records, and 2 MiB pages save most of the TLB misses.
    static func allocateLevel0(byteCount: Int) -> UnsafeMutableRawPointer {
        let bytes = max(byteCount, 1)
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED
        else { preconditionFailure("out of memory: cannot map \(bytes) bytes for the HNSW graph") }
        #if os(Linux)
        if bytes >= 4 << 20 { _ = madvise(p, bytes, 14 /* MADV_HUGEPAGE */) }
        #endif
        return p
    }

    static func deallocateLevel0(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        munmap(p, max(byteCount, 1))
    }

    static func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    // MARK: - Public API

    /// Number of live (not removed) vectors.
    public var count: Int { rw.reading { nodeCount - deletedCount } }

    /// Number of removed vectors still in the graph (they route searches until `compact()`).
    public var tombstoneCount: Int { rw.reading { deletedCount } }

    /// The default `ef` of `search(_:k:filter:)`.
    public var efSearch: Int {
        get { rw.reading { efSearchValue } }
        set { rw.writing { efSearchValue = max(1, newValue) } }
    }

    /// Whether `id` is stored and not removed.
    public func contains(id: Int64) -> Bool { rw.reading { nodeOf[id] != nil } }

    /// The ids of every live vector, in insertion order.
    public var liveIDs: [Int64] {
        rw.reading { (0..<nodeCount).compactMap { deleted[$0] == 0 ? ids[$0] : nil } }
    }

    /// Adds one vector under `id`.
    /// - Throws: `FolioIndexError.dimensionMismatch`, `.duplicateID`.
    public func add(id: Int64, vector: [Float]) throws {
        try add(ids: [id], vectors: vector, threads: 1)
    }

    /// Adds many vectors at once, optionally inserting on several threads (the graph then depends on thread
    /// timing; the levels still come from the seed).
    /// - Parameters:
    ///   - ids: one id per vector, none already stored.
    ///   - vectors: the vectors, row-major `// [ids.count, dimension]`.
    ///   - threads: insert threads (1 = reproducible build).
    /// - Throws: `FolioIndexError.dimensionMismatch`, `.duplicateID`; nothing is added then.
    public func add(ids newIDs: [Int64], vectors: [Float], threads: Int = 1) throws {
        guard !newIDs.isEmpty else { return }
        guard vectors.count == newIDs.count * dimension else {
            throw FolioIndexError.dimensionMismatch(expected: dimension, got: vectors.count / newIDs.count)
        }
        try rw.writing {
            var batch = Set<Int64>(minimumCapacity: newIDs.count)
            for id in newIDs where nodeOf[id] != nil || !batch.insert(id).inserted {
                throw FolioIndexError.duplicateID(id)
            }
            vectors.withUnsafeBufferPointer { appendLocked(ids: newIDs, vectors: $0, threads: threads) }
        }
    }

    /// Places the new nodes (vector, id, level) and links them in; the caller holds the write lock and has
    /// checked the ids.
    private func appendLocked(ids newIDs: [Int64], vectors source: UnsafeBufferPointer<Float>, threads: Int) {
        let first = nodeCount
        reserve(nodeCount + newIDs.count)
        let mL = parameters.mL
        for (offset, id) in newIDs.enumerated() {
            let node = first + offset
            let record = level0 + node * stride
            record.initializeMemory(as: UInt8.self, repeating: 0, count: linkBytes)
            (record + linkBytes).assumingMemoryBound(to: Float.self)
                .update(from: source.baseAddress! + offset * dimension, count: dimension)
            ids[node] = id
            deleted[node] = 0
            let level = min(Int(-log(rng.nextUnit()) * mL), 64)
            levels[node] = UInt8(level)
            if level > 0 {
                let block = UnsafeMutablePointer<UInt32>.allocate(capacity: level * (1 + M))
                block.initialize(repeating: 0, count: level * (1 + M))
                upper[node] = block
            } else {
                upper[node] = nil
            }
            nodeOf[id] = UInt32(node)
        }
        nodeCount += newIDs.count
        insertNodes(first..<nodeCount, threads: threads)
    }

    /// Marks the vector stored under `id` removed; it stays in the graph as a router until `compact()`.
    public func remove(id: Int64) {
        rw.writing {
            guard let node = nodeOf.removeValue(forKey: id) else { return }
            deleted[Int(node)] = 1
            deletedCount += 1
        }
    }

    /// Rebuilds the graph from the live vectors only, dropping tombstones (same parameters and seed).
    /// - Parameter threads: insert threads for the rebuild.
    /// - Complexity: a full rebuild, O(n log n) distance evaluations.
    public func compact(threads: Int = 1) {
        rw.writing {
            var liveIDs: [Int64] = []
            var liveVectors: [Float] = []
            liveIDs.reserveCapacity(nodeCount - deletedCount)
            liveVectors.reserveCapacity((nodeCount - deletedCount) * dimension)
            for node in 0..<nodeCount where deleted[node] == 0 {
                liveIDs.append(ids[node])
                liveVectors.append(contentsOf: UnsafeBufferPointer(start: vectorPointer(node), count: dimension))
            }
            freeStorage()
            capacity = max(liveIDs.count, 16)
            level0 = Self.allocateLevel0(byteCount: capacity * stride)
            ids = .allocate(capacity: capacity)
            levels = .allocate(capacity: capacity)
            deleted = .allocate(capacity: capacity)
            upper = .allocate(capacity: capacity)
            upper.initialize(repeating: nil, count: capacity)
            nodeCount = 0
            deletedCount = 0
            entryPoint = -1
            maxLevel = -1
            nodeOf = [:]
            rng = SplitMix64(state: parameters.seed)
            liveVectors.withUnsafeBufferPointer { appendLocked(ids: liveIDs, vectors: $0, threads: threads) }
        }
    }

    /// The `k` vectors with the highest inner product with `query`, best first, searching with `efSearch`.
    /// - Parameter filter: when given, only ids for which it returns true are returned; a selective filter
    ///   switches to an exact scan of the matching vectors, so recall holds.
    public func search(_ query: [Float], k: Int, filter: ((Int64) -> Bool)?) -> [SearchHit] {
        search(query, k: k, ef: efSearch, filter: filter)  // `efSearch` reads under `rw`: a setter may run meanwhile
    }

    /// The `k` approximate nearest vectors, searching level 0 with a candidate list of `max(ef, k)`.
    /// - Parameters:
    ///   - query: a vector of `dimension` components.
    ///   - ef: candidate list size; larger is slower and more accurate.
    ///   - filter: when given, only ids for which it returns true are returned.
    public func search(_ query: [Float], k: Int, ef: Int, filter: ((Int64) -> Bool)? = nil) -> [SearchHit] {
        precondition(query.count == dimension, "query has \(query.count) dimensions, index has \(dimension)")
        guard k > 0 else { return [] }
        return rw.reading {
            guard entryPoint >= 0, nodeCount > deletedCount else { return [] }
            return query.withUnsafeBufferPointer { q in
                if let filter {
                    return filteredSearch(q.baseAddress!, k: k, ef: ef, filter: filter)
                }
                if deletedCount == 0 {
                    return graphSearch(q.baseAddress!, k: k, ef: ef, acceptor: AcceptAll())
                }
                return graphSearch(q.baseAddress!, k: k, ef: ef, acceptor: AcceptLive(deleted: deleted))
            }
        }
    }

    // MARK: - Layout

    /// A snapshot of the storage pointers for the hot loops (locals, so no exclusivity checks or ARC inside).
    struct Graph {
        let level0: UnsafeMutableRawPointer
        let upper: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
        let levels: UnsafeMutablePointer<UInt8>
        let stride: Int
        let linkBytes: Int
        let dimension: Int
        let M: Int
        let nodeCount: Int

        @inline(__always) func vector(_ node: UInt32) -> UnsafePointer<Float> {
            UnsafePointer((level0 + (Int(node) &* stride &+ linkBytes)).assumingMemoryBound(to: Float.self))
        }

        /// The neighbour list of `node` on `level`: element 0 is the count, then the links.
        @inline(__always) func links(_ node: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
            if level == 0 { return (level0 + Int(node) &* stride).assumingMemoryBound(to: UInt32.self) }
            return upper[Int(node)]! + (level &- 1) &* (1 &+ M)
        }

        /// Asks for every cache line of `node`'s vector (a hint: it never faults or waits).
        @inline(__always) func prefetchVector(_ node: UInt32) {
            let row = UnsafeRawPointer(vector(node))
            var offset = 0
            while offset < dimension &* 4 {
                folio_prefetch(row + offset)
                offset &+= 64
            }
        }

        /// Loads one word from every cache line of `node`'s vector, so the line is in cache when the distance
        /// reads it; the caller keeps the result so the loads are not optimized away.
        @inline(__always) func touchVector(_ node: UInt32) -> UInt32 {
            let row = UnsafeRawPointer(vector(node))
            var sink: UInt32 = 0
            var offset = 0
            while offset < dimension &* 4 {
                sink ^= row.load(fromByteOffset: offset, as: UInt32.self)
                offset &+= 64
            }
            return sink
        }

        @inline(__always) func distance(_ q: UnsafePointer<Float>, _ node: UInt32) -> Float {
            -innerProduct(q, vector(node), dimension)
        }
    }

    var graph: Graph {
        Graph(level0: level0, upper: upper, levels: levels, stride: stride, linkBytes: linkBytes,
              dimension: dimension, M: M, nodeCount: nodeCount)
    }

    func vectorPointer(_ node: Int) -> UnsafeMutablePointer<Float> {
        (level0 + node * stride + linkBytes).assumingMemoryBound(to: Float.self)
    }

    /// Grows the buffers to hold `needed` nodes (copying out of a mapped file if loaded from one).
    func reserve(_ needed: Int) {
        guard needed > capacity || mapping != nil else { return }
        let newCapacity = max(needed, capacity * 3 / 2, 16)
        let newLevel0 = Self.allocateLevel0(byteCount: newCapacity * stride)
        newLevel0.copyMemory(from: level0, byteCount: nodeCount * stride)
        let newIDs = UnsafeMutablePointer<Int64>.allocate(capacity: newCapacity)
        newIDs.update(from: ids, count: nodeCount)
        if mapping == nil {
            Self.deallocateLevel0(level0, byteCount: capacity * stride)
            ids.deallocate()
        }
        mapping = nil
        level0 = newLevel0
        ids = newIDs
        levels = Self.grown(levels, count: nodeCount, to: newCapacity)
        deleted = Self.grown(deleted, count: nodeCount, to: newCapacity)
        let newUpper = UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>.allocate(capacity: newCapacity)
        newUpper.moveInitialize(from: upper, count: nodeCount)
        (newUpper + nodeCount).initialize(repeating: nil, count: newCapacity - nodeCount)
        upper.deallocate()
        upper = newUpper
        capacity = newCapacity
    }

    private static func grown<T>(_ old: UnsafeMutablePointer<T>, count: Int, to capacity: Int) -> UnsafeMutablePointer<T> {
        let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
        new.moveInitialize(from: old, count: count)
        old.deallocate()
        return new
    }

    // MARK: - Scratch pool

    @inline(__always)
    func withScratch<T>(_ body: (SearchScratch) -> T) -> T {
        scratchLock.lock()
        let scratch = scratchPool.popLast() ?? SearchScratch(nodes: capacity, maxDegree: M0)
        scratchLock.unlock()
        defer {
            scratchLock.lock()
            scratchPool.append(scratch)
            scratchLock.unlock()
        }
        return body(scratch)
    }

    // MARK: - Insert

    private func insertNodes(_ nodes: Range<Int>, threads: Int) {
        var next = nodes.lowerBound
        if entryPoint < 0 {
            withScratch { insert(UInt32(next), scratch: $0, concurrent: false) }
            next += 1
        }
        let remaining = nodes.upperBound - next
        if threads <= 1 || remaining < 256 {
            withScratch { scratch in
                for node in next..<nodes.upperBound { insert(UInt32(node), scratch: scratch, concurrent: false) }
            }
            return
        }
        // Workers take blocks of nodes from a shared cursor; each holds one neighbour-list lock at a time.
        let cursor = BlockCursor(next)
        let end = nodes.upperBound
        let block = 32
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let scratch = SearchScratch(nodes: capacity, maxDegree: M0)
            while true {
                let start = cursor.take(block, end: end)
                if start >= end { break }
                for node in start..<min(start + block, end) {
                    insert(UInt32(node), scratch: scratch, concurrent: true)
                }
            }
        }
    }

    /// Inserts a placed node (vector, id and level written) into the graph (the paper's INSERT).
    private func insert(_ node: UInt32, scratch: SearchScratch, concurrent: Bool) {
        let g = graph
        let level = Int(g.levels[Int(node)])
        if concurrent { globalLock.lock() }
        let entry = entryPoint
        let top = maxLevel
        let holdsGlobal = concurrent && level > top
        if concurrent && !holdsGlobal { globalLock.unlock() }
        defer { if holdsGlobal { globalLock.unlock() } }
        guard entry >= 0 else {
            entryPoint = Int(node)
            maxLevel = level
            return
        }
        let q = g.vector(node)
        var current = UInt32(entry)
        if level < top {
            var currentDistance = g.distance(q, current)
            for lc in Swift.stride(from: top, to: level, by: -1) {
                greedyClosest(q, from: &current, distance: &currentDistance, level: lc, g: g, scratch: scratch,
                              concurrent: concurrent)
            }
        }
        // Tombstones stay eligible as neighbours while inserting: they still route searches until `compact()`.
        for lc in Swift.stride(from: min(level, top), through: 0, by: -1) {
            searchLayer(q, entry: current, ef: parameters.efConstruction, level: lc, g: g, scratch: scratch,
                        acceptor: AcceptAll(), concurrent: concurrent)
            current = connect(node, level: lc, g: g, scratch: scratch, concurrent: concurrent) ?? current
        }
        if level > top {
            entryPoint = Int(node)
            maxLevel = level
        }
    }

    /// Greedy search on one upper layer: moves to a closer neighbour while there is one (ef = 1).
    @inline(__always)
    private func greedyClosest(_ q: UnsafePointer<Float>, from current: inout UInt32, distance: inout Float,
                               level: Int, g: Graph, scratch: SearchScratch, concurrent: Bool) {
        var changed = true
        while changed {
            changed = false
            let list = readLinks(current, level: level, g: g, scratch: scratch, concurrent: concurrent)
            let n = Int(list[0])
            if n > 0 { g.prefetchVector(list[1]) }
            var i = 1
            while i <= n {
                let neighbor = list[i]
                i &+= 1
                if i <= n { g.prefetchVector(list[i]) }
                let d = g.distance(q, neighbor)
                if d < distance {
                    distance = d
                    current = neighbor
                    changed = true
                }
            }
        }
    }

    /// A node's neighbour list; under concurrent inserts, a copy taken under the node's lock.
    @inline(__always)
    private func readLinks(_ node: UInt32, level: Int, g: Graph, scratch: SearchScratch,
                           concurrent: Bool) -> UnsafePointer<UInt32> {
        let list = g.links(node, level: level)
        guard concurrent else { return UnsafePointer(list) }
        nodeLocks.lock(node)
        scratch.links.update(from: list, count: Int(list[0]) + 1)
        nodeLocks.unlock(node)
        return UnsafePointer(scratch.links)
    }

    /// The paper's SEARCH-LAYER: best-first search from `entry` keeping the `ef` closest accepted nodes in
    /// `scratch.results` (a max-heap). Rejected nodes (tombstones, filtered out) still route the search.
    @inline(__always)
    func searchLayer<A: NodeAcceptor>(_ q: UnsafePointer<Float>, entry: UInt32, ef: Int, level: Int, g: Graph,
                                      scratch: SearchScratch, acceptor: A, concurrent: Bool) {
        let tag = scratch.beginSearch(nodes: g.nodeCount)
        let visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        defer {
            scratch.candidates = candidates
            scratch.results = results
        }
        let entryDistance = g.distance(q, entry)
        visited[Int(entry)] = tag
        var lowerBound = Float.infinity
        if acceptor.accepts(entry) {
            results.push(Candidate(distance: entryDistance, node: entry))
            lowerBound = entryDistance
        }
        candidates.push(Candidate(distance: -entryDistance, node: entry))
        let exhaustive = !A.acceptsAll
        let batch = scratch.batch
        var touched: UInt32 = 0
        defer { scratch.touched = touched }
        while !candidates.isEmpty {
            let current = candidates.pop()
            if -current.distance > lowerBound && (results.count == ef || !exhaustive) { break }
            let list = readLinks(current.node, level: level, g: g, scratch: scratch, concurrent: concurrent)
            let n = Int(list[0])
            // Gather the unvisited neighbours first, so their memory misses can overlap.
            var m = 0
            var i = 1
            while i <= n {
                let neighbor = list[i]
                i &+= 1
                if visited[Int(neighbor)] == tag { continue }
                visited[Int(neighbor)] = tag
                batch[m] = neighbor
                m &+= 1
            }
            // With an FMA kernel (a 384-float distance in a few dozen cycles) the best overlap is hnswlib's: prefetch
            // neighbour j + 1 while computing j. The portable SSE kernel is slow enough that loading every line of
            // every neighbour up front measured about 10% faster than that (AVX-512 and AVX2 builds: 25% slower).
            if FOLIO_TARGET_HAS_FMA != 0 {
                if m > 0 { g.prefetchVector(batch[0]) }
            } else {
                var k = 0
                while k < m {
                    touched ^= g.touchVector(batch[k])
                    k &+= 1
                }
            }
            var j = 0
            while j < m {
                let neighbor = batch[j]
                j &+= 1
                if FOLIO_TARGET_HAS_FMA != 0 && j < m { g.prefetchVector(batch[j]) }
                let d = g.distance(q, neighbor)
                if results.count < ef || d < lowerBound {
                    candidates.push(Candidate(distance: -d, node: neighbor))
                    if acceptor.accepts(neighbor) {
                        results.push(Candidate(distance: d, node: neighbor))
                        if results.count > ef { results.pop() }
                    }
                    if !results.isEmpty { lowerBound = results.top.distance }
                }
            }
            // The next node to expand is the closest candidate: start fetching its neighbour list.
            if !candidates.isEmpty { folio_prefetch(UnsafeRawPointer(g.links(candidates.top.node, level: level))) }
        }
    }

    /// Links `node` on `level` to the neighbours the heuristic keeps among `scratch.results`, and adds `node` to
    /// each of their lists (pruning full lists with the same heuristic). Returns the closest neighbour, the entry
    /// point for the next level down (nil when there was nothing to link to).
    private func connect(_ node: UInt32, level: Int, g: Graph, scratch: SearchScratch, concurrent: Bool) -> UInt32? {
        var results = scratch.results
        let count = results.count
        scratch.reserveSorted(count + M0 + 1)
        let sorted = scratch.sorted
        var i = count
        while i > 0 {
            i -= 1
            sorted[i] = results.pop()
        }
        scratch.results = results
        // Under concurrent inserts a node could in principle reach itself through a fresh link; never link to it.
        var n = 0
        for j in 0..<count where sorted[j].node != node {
            sorted[n] = sorted[j]
            n += 1
        }
        let selected = scratch.selected
        let kept = selectNeighborsHeuristic(sorted, count: n, limit: M, g: g, into: selected)
        guard kept > 0 else { return nil }

        let own = g.links(node, level: level)
        if concurrent { nodeLocks.lock(node) }
        for j in 0..<kept { own[1 + j] = selected[j].node }
        own[0] = UInt32(kept)
        if concurrent { nodeLocks.unlock(node) }

        let maxLinks = level == 0 ? M0 : M
        let pruned = scratch.pruned
        for j in 0..<kept {
            let neighbor = selected[j].node
            if concurrent { nodeLocks.lock(neighbor) }
            let list = g.links(neighbor, level: level)
            let linkCount = Int(list[0])
            if linkCount < maxLinks {
                list[1 + linkCount] = node
                list[0] = UInt32(linkCount + 1)
            } else {
                // Full: keep the heuristic's choice among the old links and the new node.
                let v = g.vector(neighbor)
                var c = 0
                for l in 1...linkCount {
                    sorted[c] = Candidate(distance: -innerProduct(v, g.vector(list[l]), g.dimension), node: list[l])
                    c += 1
                }
                sorted[c] = Candidate(distance: -innerProduct(v, g.vector(node), g.dimension), node: node)
                c += 1
                Self.insertionSort(sorted, count: c)
                let keep = selectNeighborsHeuristic(sorted, count: c, limit: maxLinks, g: g, into: pruned)
                for l in 0..<keep { list[1 + l] = pruned[l].node }
                list[0] = UInt32(keep)
            }
            if concurrent { nodeLocks.unlock(neighbor) }
        }
        return selected[0].node
    }

    /// The paper's SELECT-NEIGHBORS-HEURISTIC (Algorithm 4, without extending or keeping pruned candidates, as in
    /// hnswlib): walking candidates closest first, keep one only if it is closer to the base than to every
    /// neighbour kept so far, so links spread in different directions.
    /// - Parameters:
    ///   - candidates: sorted by ascending distance to the base node.
    /// - Returns: how many were written to `out`, at most `limit`.
    @inline(__always)
    func selectNeighborsHeuristic(_ candidates: UnsafeMutablePointer<Candidate>, count: Int, limit: Int, g: Graph,
                                  into out: UnsafeMutablePointer<Candidate>) -> Int {
        if count <= limit {
            out.update(from: candidates, count: count)
            return count
        }
        var kept = 0
        for i in 0..<count {
            if kept >= limit { break }
            let candidate = candidates[i]
            let v = g.vector(candidate.node)
            var good = true
            for j in 0..<kept where -innerProduct(v, g.vector(out[j].node), g.dimension) < candidate.distance {
                good = false
                break
            }
            if good {
                out[kept] = candidate
                kept += 1
            }
        }
        return kept
    }

    private static func insertionSort(_ a: UnsafeMutablePointer<Candidate>, count: Int) {
        guard count > 1 else { return }
        for i in 1..<count {
            let x = a[i]
            var j = i
            while j > 0 && a[j - 1].distance > x.distance {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = x
        }
    }

    // MARK: - Search

    /// The paper's K-NN-SEARCH: greedy descent through the upper layers, then `searchLayer` on level 0.
    private func graphSearch<A: NodeAcceptor>(_ q: UnsafePointer<Float>, k: Int, ef: Int, acceptor: A) -> [SearchHit] {
        let g = graph
        return withScratch { scratch in
            var current = UInt32(entryPoint)
            var currentDistance = g.distance(q, current)
            for lc in Swift.stride(from: maxLevel, to: 0, by: -1) {
                greedyClosest(q, from: &current, distance: &currentDistance, level: lc, g: g, scratch: scratch,
                              concurrent: false)
            }
            searchLayer(q, entry: current, ef: max(ef, k), level: 0, g: g, scratch: scratch, acceptor: acceptor,
                        concurrent: false)
            var results = scratch.results
            while results.count > k { results.pop() }
            var hits = [SearchHit](repeating: SearchHit(id: 0, score: 0), count: results.count)
            var i = results.count
            while i > 0 {
                i -= 1
                let c = results.pop()
                hits[i] = SearchHit(id: ids[Int(c.node)], score: -c.distance)
            }
            scratch.results = results
            return hits
        }
    }

    /// Filtered search. The filter's selectivity is estimated on a sample of nodes: a selective filter is answered
    /// by an exact scan of the matching vectors (a graph walk would have to cross many rejected nodes to find
    /// them), a broad one by a graph search whose `ef` grows as the accepted fraction shrinks.
    private func filteredSearch(_ q: UnsafePointer<Float>, k: Int, ef: Int,
                                filter: (Int64) -> Bool) -> [SearchHit] {
        let sampleSize = min(nodeCount, 512)
        var accepted = 0
        for s in 0..<sampleSize {
            let node = s * nodeCount / sampleSize
            if deleted[node] == 0 && filter(ids[node]) { accepted += 1 }
        }
        let fraction = Double(accepted) / Double(max(sampleSize, 1))
        let expected = fraction * Double(nodeCount)
        if fraction < 0.1 || expected < Double(max(4 * ef, 2000)) {
            return exactScan(q, k: k, filter: filter)
        }
        let widened = min(Int(Double(max(ef, k)) / fraction), max(ef, k) * 10)
        return withoutActuallyEscaping(filter) { filter in
            graphSearch(q, k: k, ef: widened, acceptor: AcceptFiltered(deleted: deleted, ids: ids, filter: filter))
        }
    }

    private func exactScan(_ q: UnsafePointer<Float>, k: Int, filter: (Int64) -> Bool) -> [SearchHit] {
        let g = graph
        var top = TopK(k: k)
        for node in 0..<nodeCount where deleted[node] == 0 && filter(ids[node]) {
            top.insert(SearchHit(id: ids[node], score: innerProduct(q, g.vector(UInt32(node)), dimension)))
        }
        return top.sorted()
    }
}

/// Decides which visited nodes may enter the results (all of them still route the search).
protocol NodeAcceptor {
    static var acceptsAll: Bool { get }
    func accepts(_ node: UInt32) -> Bool
}

struct AcceptAll: NodeAcceptor {
    static var acceptsAll: Bool { true }
    @inline(__always) func accepts(_ node: UInt32) -> Bool { true }
}

struct AcceptLive: NodeAcceptor {
    let deleted: UnsafeMutablePointer<UInt8>
    static var acceptsAll: Bool { false }
    @inline(__always) func accepts(_ node: UInt32) -> Bool { deleted[Int(node)] == 0 }
}

struct AcceptFiltered: NodeAcceptor {
    let deleted: UnsafeMutablePointer<UInt8>
    let ids: UnsafeMutablePointer<Int64>
    let filter: (Int64) -> Bool
    static var acceptsAll: Bool { false }
    @inline(__always) func accepts(_ node: UInt32) -> Bool { deleted[Int(node)] == 0 && filter(ids[Int(node)]) }
}

/// The next node to insert, shared by the build threads; `lock` guards `position`.
private final class BlockCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var position: Int

    init(_ start: Int) { position = start }

    /// The start of the next block of `size` nodes (at most `end`), advancing past it.
    func take(_ size: Int, end: Int) -> Int {
        lock.withLock {
            let start = position
            position = min(position + size, end)
            return start
        }
    }
}
