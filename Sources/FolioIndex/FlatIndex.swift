import Foundation

/// Exact nearest-neighbour search: scores every stored vector against the query.
///
/// Vectors live in one contiguous row-major buffer (`// [count, dimension]`) so a search is a single pass of
/// dot products the compiler vectorizes.
/// `@unchecked Sendable`: `lock` guards `ids`, `vectors` and `positions`.
/// - Complexity: O(n·d) per search, O(1) amortized per add, O(n·d) per remove.
public final class FlatIndex: VectorIndex, @unchecked Sendable {
    public let dimension: Int
    private var ids: [Int64] = []
    private var vectors: [Float] = []  // [count, dimension]
    private var positions: [Int64: Int] = [:]
    private let lock = NSLock()

    /// Creates an empty index for vectors of `dimension` components.
    public init(dimension: Int) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
    }

    public var count: Int { lock.withLock { ids.count } }

    public func add(id: Int64, vector: [Float]) throws {
        guard vector.count == dimension else {
            throw FolioIndexError.dimensionMismatch(expected: dimension, got: vector.count)
        }
        try lock.withLock {
            guard positions[id] == nil else { throw FolioIndexError.duplicateID(id) }
            positions[id] = ids.count
            ids.append(id)
            vectors.append(contentsOf: vector)
        }
    }

    public func remove(id: Int64) {
        lock.withLock {
            guard let position = positions.removeValue(forKey: id) else { return }
            let last = ids.count - 1
            if position != last {
                // Move the last row into the hole.
                ids[position] = ids[last]
                positions[ids[position]] = position
                for j in 0..<dimension { vectors[position * dimension + j] = vectors[last * dimension + j] }
            }
            ids.removeLast()
            vectors.removeLast(dimension)
        }
    }

    public func search(_ query: [Float], k: Int, filter: ((Int64) -> Bool)? = nil) -> [SearchHit] {
        precondition(query.count == dimension, "query has \(query.count) dimensions, index has \(dimension)")
        guard k > 0 else { return [] }
        return lock.withLock {
            var top = TopK(k: k)
            let d = dimension
            vectors.withUnsafeBufferPointer { rows in
                query.withUnsafeBufferPointer { q in
                    for row in 0..<ids.count {
                        if let filter, !filter(ids[row]) { continue }
                        let base = rows.baseAddress! + row * d
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                        var j = 0
                        while j + 4 <= d {
                            s0 += base[j] * q[j]; s1 += base[j + 1] * q[j + 1]
                            s2 += base[j + 2] * q[j + 2]; s3 += base[j + 3] * q[j + 3]
                            j += 4
                        }
                        while j < d { s0 += base[j] * q[j]; j += 1 }
                        top.insert(SearchHit(id: ids[row], score: (s0 + s1) + (s2 + s3)))
                    }
                }
            }
            return top.sorted()
        }
    }
}

/// Keeps the k best hits seen so far (a small sorted buffer; k is small).
struct TopK {
    let k: Int
    private(set) var hits: [SearchHit] = []

    init(k: Int) {
        self.k = k
        hits.reserveCapacity(k + 1)
    }

    mutating func insert(_ hit: SearchHit) {
        if hits.count == k, let worst = hits.last, !(hit.score > worst.score) { return }
        var index = hits.count
        while index > 0 && hits[index - 1].score < hit.score { index -= 1 }
        hits.insert(hit, at: index)
        if hits.count > k { hits.removeLast() }
    }

    func sorted() -> [SearchHit] { hits }
}
