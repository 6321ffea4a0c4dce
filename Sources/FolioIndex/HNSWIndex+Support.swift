import CIntrinsics
import Foundation

// The small unsafe pieces the HNSW hot loops are made of: the distance kernel, a binary heap of (distance, node)
// pairs in one buffer, a visited list with generation tags, and the locks. Nothing here allocates per visited node.

/// Inner product of two `dimension`-long float rows.
///
/// Four independent accumulators of the widest vector the build targets (`CIntrinsics` reports what
/// `FOLIO_TARGET_CPU` enabled): 16 lanes with fused multiply-adds on AVX-512, 8 with FMA on AVX2, and plain
/// `a * b + c` on 8 lanes otherwise, which the portable build lowers to packed SSE multiplies and adds (there
/// `addProduct` would call `fmaf` once per lane).
@inline(__always)
func innerProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dimension: Int) -> Float {
    if FOLIO_TARGET_HAS_AVX512 != 0 { return dot(a, b, dimension, as: SIMD16<Float>.self, fused: true) }
    if FOLIO_TARGET_HAS_FMA != 0 { return dot(a, b, dimension, as: SIMD8<Float>.self, fused: true) }
    return dot(a, b, dimension, as: SIMD8<Float>.self, fused: false)
}

@inline(__always)
private func dot<V: SIMD>(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dimension: Int, as _: V.Type,
                          fused: Bool) -> Float where V.Scalar == Float {
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    let width = V.scalarCount
    let bytes = width &* 4
    @inline(__always) func step(_ s: inout V, _ offset: Int) {
        let x = ra.loadUnaligned(fromByteOffset: offset, as: V.self)
        let y = rb.loadUnaligned(fromByteOffset: offset, as: V.self)
        if fused { s.addProduct(x, y) } else { s = s + x * y }
    }
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    var i = 0
    while i &+ 4 &* width <= dimension {
        let o = i &* 4
        step(&s0, o)
        step(&s1, o &+ bytes)
        step(&s2, o &+ 2 &* bytes)
        step(&s3, o &+ 3 &* bytes)
        i &+= 4 &* width
    }
    while i &+ width <= dimension {
        step(&s0, i &* 4)
        i &+= width
    }
    var total = horizontalSum((s0 + s1) + (s2 + s3))
    while i < dimension {
        total += a[i] * b[i]
        i &+= 1
    }
    return total
}

/// The sum of the lanes by halving (16 -> 8 -> 4 -> 2 -> 1): a few shuffles and adds, where `SIMD.sum()` on
/// 16 lanes compiles to a long chain of lane extracts.
@inline(__always)
private func horizontalSum<V: SIMD>(_ v: V) -> Float where V.Scalar == Float {
    if let w = v as? SIMD16<Float> { return horizontalSum(w.lowHalf + w.highHalf) }
    if let w = v as? SIMD8<Float> {
        let h = w.lowHalf + w.highHalf
        let p = h.lowHalf + h.highHalf
        return p[0] + p[1]
    }
    return v.sum()
}

/// One graph node with its distance to the query (`1 - inner product`, smaller is closer).
struct Candidate {
    var distance: Float
    var node: UInt32
}

/// A binary max-heap on `distance` in one growable buffer. A min-heap is the same heap fed negated distances
/// (as hnswlib does with `std::priority_queue`).
struct CandidateHeap {
    private(set) var storage: UnsafeMutablePointer<Candidate>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    func deallocate() { storage.deallocate() }

    var isEmpty: Bool { count == 0 }
    /// The largest distance.
    var top: Candidate { storage[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func push(_ candidate: Candidate) {
        if count == capacity { grow() }
        var i = count
        count &+= 1
        while i > 0 {
            let parent = (i &- 1) >> 1
            if storage[parent].distance >= candidate.distance { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = candidate
    }

    @inline(__always) @discardableResult
    mutating func pop() -> Candidate {
        let result = storage[0]
        count &-= 1
        if count > 0 {
            let last = storage[count]
            var i = 0
            while true {
                var child = 2 &* i &+ 1
                if child >= count { break }
                if child &+ 1 < count && storage[child &+ 1].distance > storage[child].distance { child &+= 1 }
                if storage[child].distance <= last.distance { break }
                storage[i] = storage[child]
                i = child
            }
            storage[i] = last
        }
        return result
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}

/// Per-search scratch memory, pooled so searches and inserts allocate nothing: the visited list is a tag per node,
/// "visited" meaning "tag equals this search's generation", so clearing it is one increment (hnswlib's
/// `VisitedList`).
final class SearchScratch {
    private(set) var visited: UnsafeMutablePointer<UInt16>
    private var visitedCapacity: Int
    private var generation: UInt16 = 0
    var candidates = CandidateHeap(capacity: 256)  // min-heap (negated distances)
    var results = CandidateHeap(capacity: 256)     // max-heap
    /// Sorted candidates for `selectNeighborsHeuristic` and a copy of one neighbour list.
    var sorted: UnsafeMutablePointer<Candidate>
    var sortedCapacity: Int
    var selected: UnsafeMutablePointer<Candidate>
    var pruned: UnsafeMutablePointer<Candidate>
    var links: UnsafeMutablePointer<UInt32>
    /// Unvisited neighbours of the node being expanded.
    var batch: UnsafeMutablePointer<UInt32>
    /// Sink for the portable build's cache-line touches, so the optimizer keeps them.
    var touched: UInt32 = 0

    init(nodes: Int, maxDegree: Int) {
        visitedCapacity = max(nodes, 1024)
        visited = .allocate(capacity: visitedCapacity)
        visited.initialize(repeating: 0, count: visitedCapacity)
        sortedCapacity = 1024
        sorted = .allocate(capacity: sortedCapacity)
        selected = .allocate(capacity: maxDegree + 1)
        pruned = .allocate(capacity: maxDegree + 1)
        links = .allocate(capacity: maxDegree + 1)
        batch = .allocate(capacity: maxDegree + 1)
    }

    deinit {
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
        sorted.deallocate()
        selected.deallocate()
        pruned.deallocate()
        links.deallocate()
        batch.deallocate()
    }

    /// Starts a search over `nodes` nodes; returns the tag that marks a node visited.
    func beginSearch(nodes: Int) -> UInt16 {
        if nodes > visitedCapacity {
            visited.deallocate()
            visitedCapacity = max(nodes, visitedCapacity * 2)
            visited = .allocate(capacity: visitedCapacity)
            visited.initialize(repeating: 0, count: visitedCapacity)
            generation = 0
        }
        generation &+= 1
        if generation == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            generation = 1
        }
        candidates.removeAll()
        results.removeAll()
        return generation
    }

    func reserveSorted(_ n: Int) {
        guard n > sortedCapacity else { return }
        sorted.deallocate()
        sortedCapacity = max(n, sortedCapacity * 2)
        sorted = .allocate(capacity: sortedCapacity)
    }
}

/// A readers-writer lock: searches share it, mutations take it alone.
/// `@unchecked Sendable`: it is the lock: `lock` is a `let` pointer to a heap `pthread_rwlock_t` (so it never
/// moves), initialized in `init` and destroyed in `deinit`; only pthread calls touch it.
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() { pthread_rwlock_init(lock, nil) }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func reading<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func writing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

/// A fixed set of mutexes striped by node number, for parallel inserts (hnswlib's `link_list_locks_`). A thread
/// holds at most one at a time, so stripes can be shared without deadlock.
/// `@unchecked Sendable`: `locks` is a `let` pointer to heap `pthread_mutex_t`s (they never move), initialized in
/// `init` and destroyed in `deinit`; only pthread calls touch them.
final class StripedLocks: @unchecked Sendable {
    static let stripes = 4096
    private let locks: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        locks = .allocate(capacity: Self.stripes)
        for i in 0..<Self.stripes { pthread_mutex_init(locks + i, nil) }
    }

    deinit {
        for i in 0..<Self.stripes { pthread_mutex_destroy(locks + i) }
        locks.deallocate()
    }

    @inline(__always) func lock(_ node: UInt32) { pthread_mutex_lock(locks + Int(node & UInt32(Self.stripes - 1))) }
    @inline(__always) func unlock(_ node: UInt32) { pthread_mutex_unlock(locks + Int(node & UInt32(Self.stripes - 1))) }
}

/// SplitMix64: a tiny seeded generator, so level assignment (and a single-threaded build) is reproducible.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    mutating func nextUnit() -> Double { Double((next() >> 11) + 1) / Double(1 << 53) }
}
