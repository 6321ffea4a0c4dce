import FolioIndex
import Foundation
import Testing

/// Seeded unit vectors (SplitMix64 → Box-Muller), so failures reproduce.
func seededUnitVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var state = seed
    func next() -> Double {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    return (0..<count).map { _ in
        var v = (0..<dimension).map { _ in Float(sqrt(-2 * log(max(next(), 1e-12))) * cos(2 * .pi * next())) }
        let norm = sqrt(v.reduce(0) { $0 + $1 * $1 })
        for i in v.indices { v[i] /= norm }
        return v
    }
}

@Suite("FlatIndex")
struct FlatIndexTests {
    @Test("returns exactly the brute-force top k")
    func exact() throws {
        let vectors = seededUnitVectors(count: 500, dimension: 32, seed: 7)
        let index = FlatIndex(dimension: 32)
        for (i, v) in vectors.enumerated() { try index.add(id: Int64(i), vector: v) }
        let queries = seededUnitVectors(count: 20, dimension: 32, seed: 99)
        for q in queries {
            let expected = vectors.enumerated()
                .map { (Int64($0.offset), zip($0.element, q).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
                .sorted { $0.1 > $1.1 }.prefix(10).map(\.0)
            #expect(index.search(q, k: 10).map(\.id) == Array(expected))
        }
    }

    @Test("filter, remove and dimension errors")
    func filterAndRemove() throws {
        let vectors = seededUnitVectors(count: 100, dimension: 8, seed: 1)
        let index = FlatIndex(dimension: 8)
        for (i, v) in vectors.enumerated() { try index.add(id: Int64(i), vector: v) }
        let hits = index.search(vectors[10], k: 5, filter: { $0 % 2 == 1 })
        #expect(hits.allSatisfy { $0.id % 2 == 1 })
        #expect(index.search(vectors[10], k: 1).first?.id == 10)
        index.remove(id: 10)
        #expect(index.count == 99)
        #expect(index.search(vectors[10], k: 5).allSatisfy { $0.id != 10 })
        #expect(index.search(vectors[99], k: 1).first?.id == 99)  // the moved last row is still found
        #expect(throws: FolioIndexError.dimensionMismatch(expected: 8, got: 3)) { try index.add(id: 1000, vector: [1, 0, 0]) }
        #expect(throws: FolioIndexError.duplicateID(5)) { try index.add(id: 5, vector: vectors[5]) }
    }
}
