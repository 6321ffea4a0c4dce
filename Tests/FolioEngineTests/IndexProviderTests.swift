@testable import FolioEngine
import FolioIndex
import FolioStore
import Foundation
import Testing

/// Collects the provider's notes (it reports from whichever thread builds).
private final class Notes: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
    func clear() { lock.withLock { lines.removeAll() } }
}

private func unitVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var state = seed
    func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float(Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)) - 0.5
    }
    return (0..<count).map { _ in
        let v = (0..<dimension).map { _ in next() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }
}

private func document(_ name: String, chunks: Int, seed: UInt64) -> NewDocument {
    let vectors = unitVectors(count: chunks, dimension: 16, seed: seed)
    return NewDocument(path: "/docs/\(name)", fileName: name, sha256: String(repeating: "\(seed % 10)", count: 52) + name,
                       title: name, author: nil, pages: [(number: 1, text: "text")],
                       chunks: vectors.enumerated().map { i, v in
                           NewChunk(ordinal: i, pageStart: 1, pageEnd: 1, section: nil, text: "chunk \(i) of \(name)",
                                    tokenCount: 3, embedding: v)
                       })
}

@Suite("IndexProvider")
struct IndexProviderTests {
    @Test("flat below the threshold or with --exact; HNSW above it, persisted, patched, rebuilt when damaged")
    func lifecycle() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-provider-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FolioStore(directory: directory)
        try store.insert(document("a.pdf", chunks: 400, seed: 1))
        try store.insert(document("b.pdf", chunks: 400, seed: 2))
        let notes = Notes()
        var policy = IndexPolicy()
        policy.hnswThreshold = 500
        policy.buildThreads = 1
        policy.report = { notes.append($0) }
        let provider = IndexProvider(store: store, dimension: 16, policy: policy)

        var exactPolicy = policy
        exactPolicy.exact = true
        #expect(try IndexProvider(store: store, dimension: 16, policy: exactPolicy).makeIndex() is FlatIndex)
        var highPolicy = policy
        highPolicy.hnswThreshold = 10_000
        #expect(try IndexProvider(store: store, dimension: 16, policy: highPolicy).makeIndex() is FlatIndex)
        #expect(!FileManager.default.fileExists(atPath: provider.indexURL.path))

        // Built and saved, with the store's generation stamp it matches.
        let built = try #require(try provider.makeIndex() as? HNSWIndex)
        #expect(built.count == 800)
        #expect(FileManager.default.fileExists(atPath: provider.indexURL.path))
        #expect(try String(contentsOf: provider.generationURL, encoding: .utf8)
                == "\(try #require(try store.generation().generation))\n\(try #require(provider.fileSignature()))")
        #expect(notes.all.isEmpty)
        let flat = try #require(try IndexProvider(store: store, dimension: 16, policy: exactPolicy).makeIndex() as? FlatIndex)
        let query = unitVectors(count: 1, dimension: 16, seed: 99)[0]
        #expect(built.search(query, k: 5, ef: 200).map(\.id) == flat.search(query, k: 5).map(\.id))

        // Loaded, and patched after an ingest: no rebuild, no note, the new chunks are found.
        try store.insert(document("c.pdf", chunks: 100, seed: 3))
        let patched = try #require(try provider.makeIndex() as? HNSWIndex)
        #expect(patched.count == 900)
        #expect(notes.all.isEmpty)
        #expect(try HNSWIndex.load(from: provider.indexURL).count == 900)
        let newChunk = try store.embeddings().last!
        #expect(patched.search(newChunk.vector, k: 1).first?.id == newChunk.rowID)

        // A small removal is a tombstone; a large one rebuilds.
        let c = try #require(try store.documents().first { $0.fileName == "c.pdf" })
        try store.remove(documentID: c.id)
        let afterSmallRemoval = try #require(try provider.makeIndex() as? HNSWIndex)
        #expect(afterSmallRemoval.count == 800)
        #expect(afterSmallRemoval.tombstoneCount == 100)
        #expect(!afterSmallRemoval.contains(id: newChunk.rowID))
        let b = try #require(try store.documents().first { $0.fileName == "b.pdf" })
        try store.remove(documentID: b.id)
        try store.insert(document("d.pdf", chunks: 200, seed: 4))  // may reuse b's row ids: keys catch that
        let rebuilt = try #require(try provider.makeIndex() as? HNSWIndex)
        #expect(rebuilt.count == 600)
        #expect(rebuilt.tombstoneCount == 0)
        for row in try store.embeddings().suffix(20) {
            #expect(rebuilt.search(row.vector, k: 1).first?.id == row.rowID)
        }
        #expect(notes.all.isEmpty)

        // A damaged file is reported, naming it, and rebuilt from the store.
        var bytes = try Data(contentsOf: provider.indexURL)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: provider.indexURL)
        #expect(try provider.makeIndex().count == 600)
        #expect(notes.all.count == 1 && notes.all[0].contains(provider.indexURL.path) && notes.all[0].contains("corrupt"))
        #expect(try HNSWIndex.load(from: provider.indexURL).count == 600)  // and saved again
        notes.clear()
        try Data(bytes.prefix(1000)).write(to: provider.indexURL)
        #expect(try provider.makeIndex().count == 600)
        #expect(notes.all.count == 1 && notes.all[0].contains("truncated"))
        notes.clear()
        // While the store's stamp is the one saved, the index is used without reading the keys: a missing keys
        // file is noticed (and the index rebuilt) once the store changes.
        try FileManager.default.removeItem(at: provider.keysURL)
        #expect(try provider.makeIndex().count == 600)
        #expect(notes.all.isEmpty)
        try store.insert(document("e.pdf", chunks: 10, seed: 5))
        #expect(try provider.makeIndex().count == 610)
        #expect(notes.all.count == 1 && notes.all[0].contains(provider.keysURL.path))
        #expect(FileManager.default.fileExists(atPath: provider.keysURL.path))
        // A stamp that does not match (another store's, or a stale one) falls back to comparing the keys.
        notes.clear()
        try Data("someone-else:7".utf8).write(to: provider.generationURL)
        #expect(try provider.makeIndex().count == 610)
        #expect(notes.all.isEmpty)
        #expect(try String(contentsOf: provider.generationURL, encoding: .utf8)
                .hasPrefix(try #require(try store.generation().generation) + "\n"))
    }
}
