@testable import FolioIndex
import Foundation
import Testing

/// Row-major copy of seeded vectors for the batch `add`.
private func flat(_ vectors: [[Float]]) -> [Float] { vectors.flatMap { $0 } }

/// Mean recall@k of `index` against the exact top k of `exact` over `queries`.
private func recall(_ index: HNSWIndex, _ exact: FlatIndex, _ queries: [[Float]], k: Int = 10, ef: Int,
                    filter: ((Int64) -> Bool)? = nil) -> Double {
    var found = 0
    var total = 0
    for q in queries {
        let truth = Set(exact.search(q, k: k, filter: filter).map(\.id))
        total += truth.count
        found += index.search(q, k: k, ef: ef, filter: filter).filter { truth.contains($0.id) }.count
    }
    return Double(found) / Double(max(total, 1))
}

private func build(_ vectors: [[Float]], dimension: Int, M: Int = 16, efConstruction: Int = 100,
                   threads: Int = 1, seed: UInt64 = 0x5EED) throws -> (HNSWIndex, FlatIndex) {
    let index = HNSWIndex(dimension: dimension, parameters: HNSWParameters(M: M, efConstruction: efConstruction, seed: seed))
    try index.add(ids: (0..<Int64(vectors.count)).map { $0 }, vectors: flat(vectors), threads: threads)
    let exact = FlatIndex(dimension: dimension)
    for (i, v) in vectors.enumerated() { try exact.add(id: Int64(i), vector: v) }
    return (index, exact)
}

private func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("folio-hnsw-\(getpid())-\(name).hnsw")
}

@Suite("HNSWIndex")
struct HNSWIndexTests {
    // Dimension 32 keeps the 20k build to seconds in a debug build; isotropic Gaussian vectors in 32 dimensions
    // are harder for a graph index than real embeddings (no cluster structure), so this is not lenient.
    @Test("recall@10 >= 0.95 against FlatIndex on a seeded 20k set, and a sound graph")
    func recallOn20k() throws {
        let vectors = seededUnitVectors(count: 20_000, dimension: 32, seed: 11)
        let queries = seededUnitVectors(count: 200, dimension: 32, seed: 12)
        let (index, exact) = try build(vectors, dimension: 32)
        #expect(index.count == 20_000)
        #expect(index.integrityProblems() == [])
        let r = recall(index, exact, queries, ef: 128)
        #expect(r >= 0.95, "recall@10 \(r)")
        // A larger ef should get close to exact.
        #expect(recall(index, exact, queries, ef: 512) >= max(r, 0.99))
    }

    @Test("every vector finds itself; scores are inner products, best first")
    func selfSearch() throws {
        let vectors = seededUnitVectors(count: 2_000, dimension: 24, seed: 3)
        let (index, _) = try build(vectors, dimension: 24)
        for i in Swift.stride(from: 0, to: 2_000, by: 37) {
            let hits = index.search(vectors[i], k: 5, ef: 32)
            #expect(hits.first?.id == Int64(i))
            #expect(abs((hits.first?.score ?? 0) - 1) < 1e-4)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            let expected = zip(vectors[Int(hits[1].id)], vectors[i]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(abs(hits[1].score - expected) < 1e-5)
        }
    }

    @Test("graph integrity: links in range, no self links, degree bounds", arguments: [2, 4, 16])
    func integrity(M: Int) throws {
        let vectors = seededUnitVectors(count: 3_000, dimension: 16, seed: UInt64(M))
        let (index, _) = try build(vectors, dimension: 16, M: M, efConstruction: 40)
        #expect(index.integrityProblems() == [])
        // Walk the graph directly too, so a bug in integrityProblems cannot hide one in the graph.
        let g = index.graph
        for node in 0..<index.nodeCount {
            for level in 0...Int(index.levels[node]) {
                let list = g.links(UInt32(node), level: level)
                let count = Int(list[0])
                #expect(count <= (level == 0 ? 2 * M : M))
                if level == 0 { #expect(count >= 1) }  // level 0 is connected (upper levels may hold one node)
                let targets = (0..<count).map { Int(list[1 + $0]) }
                #expect(targets.allSatisfy { $0 < index.nodeCount && $0 != node && Int(index.levels[$0]) >= level })
                #expect(Set(targets).count == count)
            }
        }
        // The level distribution follows mL = 1/ln(M): about n/M nodes above level 0.
        let upper = (0..<index.nodeCount).filter { index.levels[$0] > 0 }.count
        let expected = 3_000.0 / Double(M)
        #expect(abs(Double(upper) - expected) < 4 * expected.squareRoot() + 10, "\(upper) nodes above level 0")
    }

    @Test("the integrity check reports a broken link")
    func integrityDetects() throws {
        let vectors = seededUnitVectors(count: 500, dimension: 8, seed: 5)
        let (index, _) = try build(vectors, dimension: 8)
        let list = index.graph.links(7, level: 0)
        list[1] = 7
        #expect(index.integrityProblems().contains { $0.contains("links to itself") })
        list[1] = 100_000
        #expect(index.integrityProblems().contains { $0.contains("out of range") })
        list[0] = 200
        #expect(index.integrityProblems().contains { $0.contains("more than") })
    }

    @Test("save and load round trip is bit-exact, including tombstones")
    func persistenceRoundTrip() throws {
        let vectors = seededUnitVectors(count: 3_000, dimension: 20, seed: 21)
        let (index, _) = try build(vectors, dimension: 20, M: 8)
        for id in Swift.stride(from: 0, to: 3_000, by: 11) { index.remove(id: Int64(id)) }
        index.efSearch = 77
        let first = temporaryFile("round-a")
        let second = temporaryFile("round-b")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        try index.save(to: first)
        let loaded = try HNSWIndex.load(from: first)
        #expect(loaded.count == index.count)
        #expect(loaded.tombstoneCount == index.tombstoneCount)
        #expect(loaded.parameters == HNSWParameters(M: 8, efConstruction: 100, efSearch: 77, seed: 0x5EED))
        #expect(loaded.efSearch == 77)
        #expect(loaded.liveIDs == index.liveIDs)
        #expect(loaded.integrityProblems() == [])
        for q in seededUnitVectors(count: 50, dimension: 20, seed: 22) {
            #expect(loaded.search(q, k: 10) == index.search(q, k: 10))
        }
        try loaded.save(to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        // A loaded (mapped) index accepts adds: they copy the mapped records out first.
        try loaded.add(id: 9_999, vector: vectors[0])
        #expect(loaded.search(vectors[0], k: 2).map(\.id).contains(9_999))
        #expect(loaded.integrityProblems() == [])
    }

    @Test("a single-threaded build is reproducible from its seed")
    func reproducible() throws {
        let vectors = seededUnitVectors(count: 1_500, dimension: 12, seed: 8)
        let (a, _) = try build(vectors, dimension: 12, seed: 42)
        let (b, _) = try build(vectors, dimension: 12, seed: 42)
        let fileA = temporaryFile("seed-a")
        let fileB = temporaryFile("seed-b")
        defer {
            try? FileManager.default.removeItem(at: fileA)
            try? FileManager.default.removeItem(at: fileB)
        }
        try a.save(to: fileA)
        try b.save(to: fileB)
        #expect(try Data(contentsOf: fileA) == Data(contentsOf: fileB))
    }

    @Test("truncated, corrupt and foreign files are detected and named")
    func corruptFiles() throws {
        let vectors = seededUnitVectors(count: 800, dimension: 16, seed: 31)
        let (index, _) = try build(vectors, dimension: 16)
        let url = temporaryFile("corrupt")
        defer { try? FileManager.default.removeItem(at: url) }
        try index.save(to: url)
        let good = try Data(contentsOf: url)

        func expectCorrupt(_ bytes: Data, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try bytes.write(to: url)
            do {
                _ = try HNSWIndex.load(from: url)
                Issue.record("\(what) was loaded", sourceLocation: sourceLocation)
            } catch let error as FolioIndexError {
                guard case .corruptFile(let path, _) = error else {
                    Issue.record("\(what): \(error)", sourceLocation: sourceLocation)
                    return
                }
                #expect(path == url.path, sourceLocation: sourceLocation)
                #expect("\(error)".contains(url.path), sourceLocation: sourceLocation)
            }
        }
        try expectCorrupt(good.prefix(good.count - 4096), "a truncated file")
        try expectCorrupt(good.prefix(100), "a file shorter than its header")
        try expectCorrupt(Data(), "an empty file")
        var flipped = good
        flipped[HNSWIndex.headerBytes + 5000] ^= 0x40  // inside a vector
        try expectCorrupt(flipped, "a flipped payload bit")
        flipped = good
        flipped[HNSWIndex.headerBytes + 4] ^= 0x01     // a link of node 0
        try expectCorrupt(flipped, "a changed link")
        flipped = good
        flipped[20] ^= 0x01                            // the dimension
        try expectCorrupt(flipped, "a changed header field")
        flipped = good
        flipped[0] = UInt8(ascii: "X")
        try expectCorrupt(flipped, "a foreign file")
        var extended = good
        extended.append(contentsOf: [UInt8](repeating: 0, count: 4096))
        try expectCorrupt(extended, "a file with trailing bytes")

        var newer = good
        newer[8] = 9  // version field
        try newer.write(to: url)
        #expect(throws: FolioIndexError.unsupportedVersion(path: url.path, version: 9)) { try HNSWIndex.load(from: url) }
        #expect(throws: FolioIndexError.self) { try HNSWIndex.load(from: URL(fileURLWithPath: "/nonexistent/x.hnsw")) }
    }

    @Test("filtered search returns only allowed ids and keeps recall", arguments: [0.005, 0.05, 0.5])
    func filtered(fraction: Double) throws {
        let vectors = seededUnitVectors(count: 8_000, dimension: 24, seed: 41)
        let queries = seededUnitVectors(count: 60, dimension: 24, seed: 42)
        let (index, exact) = try build(vectors, dimension: 24)
        let modulus = Int64((1 / fraction).rounded())
        let filter: (Int64) -> Bool = { $0 % modulus == 1 }
        for q in queries {
            let hits = index.search(q, k: 10, ef: 64, filter: filter)
            #expect(hits.allSatisfy { filter($0.id) })
            #expect(hits.count == min(10, 8_000 / Int(modulus)))
        }
        #expect(recall(index, exact, queries, ef: 64, filter: filter) >= 0.95)
    }

    @Test("removed vectors are never returned; compaction drops them and keeps recall")
    func deleteAndCompact() throws {
        let vectors = seededUnitVectors(count: 6_000, dimension: 24, seed: 51)
        let queries = seededUnitVectors(count: 100, dimension: 24, seed: 52)
        let (index, exact) = try build(vectors, dimension: 24)
        let removed = Set(Swift.stride(from: Int64(0), to: 6_000, by: 3))
        for id in removed {
            index.remove(id: id)
            exact.remove(id: id)
        }
        index.remove(id: 123_456)  // unknown ids are ignored
        #expect(index.count == 4_000)
        #expect(index.tombstoneCount == 2_000)
        #expect(!index.contains(id: 0) && index.contains(id: 1))
        for q in queries { #expect(index.search(q, k: 10).allSatisfy { !removed.contains($0.id) }) }
        #expect(recall(index, exact, queries, ef: 64) >= 0.95)

        index.compact()
        #expect(index.count == 4_000)
        #expect(index.tombstoneCount == 0)
        #expect(index.nodeCount == 4_000)
        #expect(index.integrityProblems() == [])
        #expect(recall(index, exact, queries, ef: 64) >= 0.95)
        // A removed id can be added again.
        try index.add(id: 0, vector: vectors[0])
        #expect(index.search(vectors[0], k: 1).first?.id == 0)
    }

    @Test("bad input: dimension mismatch and duplicate ids throw and add nothing")
    func errors() throws {
        let index = HNSWIndex(dimension: 4)
        #expect(index.search([1, 0, 0, 0], k: 3).isEmpty)
        #expect(throws: FolioIndexError.dimensionMismatch(expected: 4, got: 3)) { try index.add(id: 1, vector: [1, 0, 0]) }
        try index.add(id: 1, vector: [1, 0, 0, 0])
        #expect(throws: FolioIndexError.duplicateID(1)) { try index.add(id: 1, vector: [0, 1, 0, 0]) }
        #expect(throws: FolioIndexError.duplicateID(2)) {
            try index.add(ids: [2, 2], vectors: [0, 1, 0, 0, 0, 0, 1, 0])
        }
        #expect(index.count == 1)
        #expect(index.search([0, 1, 0, 0], k: 3).map(\.id) == [1])
    }

    @Test("concurrent searches match sequential ones; adds from several threads serialize")
    func concurrency() throws {
        let vectors = seededUnitVectors(count: 4_000, dimension: 16, seed: 61)
        let queries = seededUnitVectors(count: 64, dimension: 16, seed: 62)
        let (index, _) = try build(Array(vectors.prefix(3_000)), dimension: 16, threads: 2)
        #expect(index.integrityProblems() == [])
        let expected = queries.map { index.search($0, k: 10) }
        let lock = NSLock()
        nonisolated(unsafe) var mismatches = 0  // guarded by `lock`
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (i, q) in queries.enumerated() where i % 8 == worker || worker < 2 {
                if index.search(q, k: 10) != expected[i] { lock.withLock { mismatches += 1 } }
            }
        }
        #expect(mismatches == 0)

        // Writers and readers at once: adds serialize behind the index's lock, searches never see a torn graph.
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker < 2 {
                for i in Swift.stride(from: 3_000 + worker, to: 4_000, by: 2) {
                    try? index.add(id: Int64(i), vector: vectors[i])
                }
            } else {
                for q in queries { _ = index.search(q, k: 10, filter: { $0 % 2 == 0 }) }
            }
        }
        #expect(index.count == 4_000)
        #expect(index.integrityProblems() == [])
        for i in Swift.stride(from: 3_000, to: 4_000, by: 97) {
            #expect(index.search(vectors[i], k: 1).first?.id == Int64(i))
        }
    }
}
