import FolioIndex
import FolioStore
import Foundation

/// How the engine chooses, builds and keeps its vector index.
public struct IndexPolicy: Sendable {
    /// Search every chunk exactly (`FlatIndex`), whatever the store's size (`--exact`).
    public var exact = false
    /// Stores with at least this many chunks use HNSW; smaller ones the exact flat index, which is as fast there
    /// and needs no build. `$FOLIO_HNSW_THRESHOLD` overrides the default.
    public var hnswThreshold = Int(ProcessInfo.processInfo.environment["FOLIO_HNSW_THRESHOLD"] ?? "") ?? 50_000
    /// Graph parameters of a new HNSW index.
    public var parameters = HNSWParameters()
    /// Insert threads when building.
    public var buildThreads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    /// Rebuild instead of patching when removed chunks would make up more than this fraction of the graph.
    public var maxTombstoneFraction = 0.25
    /// Where the engine's notes go (a rebuilt index file, one that could not be saved); stderr by default.
    public var report: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("folio: \(message)\n".utf8))
    }

    public init() {}
}

/// Builds, loads and persists the vector index of one store.
///
/// The SQLite store is the source of truth. Above the policy's threshold the HNSW graph is kept in
/// `index.hnsw` next to `folio.sqlite`, with `index.keys` listing the (row id, chunk-id hash) pairs it holds.
/// Opening maps the file, checks it, and brings it up to date with the store: chunks added since are inserted,
/// removed or replaced ones are tombstoned, and the file is saved again. A missing, corrupt, truncated, foreign or
/// mismatched file, or one with too many tombstones, is rebuilt from the store.
struct IndexProvider {
    let store: FolioStore
    let dimension: Int
    let policy: IndexPolicy

    var directory: URL { store.url.deletingLastPathComponent() }
    var indexURL: URL { directory.appendingPathComponent("index.hnsw") }
    var keysURL: URL { directory.appendingPathComponent("index.keys") }
    /// The store generation stamp `index.hnsw` and `index.keys` were saved at (written after both, removed before
    /// either is replaced): while the store's stamp is the same, the saved index is current without comparing
    /// every chunk's key, so opening it costs the same in a library of 200,000 chunks as in one of 2,000.
    var generationURL: URL { directory.appendingPathComponent("index.generation") }

    /// The index to search, by the policy.
    func makeIndex() throws -> any VectorIndex {
        if policy.exact { return try flatIndex() }
        let state = try store.generation()
        if state.chunks < max(policy.hnswThreshold, 1) { return try flatIndex() }
        if let stamp = state.generation, let index = currentSavedIndex(stamp: stamp, chunks: state.chunks) {
            return index
        }
        let (keys, stamp) = try store.chunkKeys()
        if keys.count < max(policy.hnswThreshold, 1) { return try flatIndex() }
        var current: [Int64: UInt64] = [:]
        current.reserveCapacity(keys.count)
        for key in keys { current[key.rowID] = Self.hash(key.chunkID) }
        if let index = try updatedPersistedIndex(current: current, stamp: stamp) { return index }
        return try buildPersisted(current: current, stamp: stamp)
    }

    /// The saved index when it was saved at `stamp` and holds `chunks` live nodes with today's parameters; nil
    /// (and the full check follows) otherwise. The file's checksum and links are checked again only when the file
    /// is not the one recorded as checked (its size, modification time and inode): reading all of it on every
    /// question was most of a question's cost in a library of 200,000 chunks.
    private func currentSavedIndex(stamp: String, chunks: Int) -> HNSWIndex? {
        guard let saved = try? String(contentsOf: generationURL, encoding: .utf8) else { return nil }
        let lines = saved.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == stamp else { return nil }
        let signature = fileSignature()
        let checked = signature != nil && lines.count > 1 && lines[1] == signature
        guard let index = try? HNSWIndex.load(from: indexURL, verify: !checked) else { return nil }
        guard index.dimension == dimension, index.parameters.M == policy.parameters.M,
              index.parameters.efConstruction == policy.parameters.efConstruction,
              index.count == chunks else { return nil }
        if !checked { writeStamp(stamp) }
        return index
    }

    /// Size, modification time and inode of `index.hnsw`: a file rewritten or replaced since it was checked has
    /// another.
    func fileSignature() -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: indexURL.path),
              let size = attributes[.size] as? NSNumber, let date = attributes[.modificationDate] as? Date,
              let inode = attributes[.systemFileNumber] as? NSNumber else { return nil }
        return "\(size.int64Value) \(date.timeIntervalSince1970) \(inode.uint64Value)"
    }

    private func flatIndex() throws -> FlatIndex {
        let index = FlatIndex(dimension: dimension)
        for (rowID, vector) in try store.embeddings() where vector.count == dimension {
            try index.add(id: rowID, vector: vector)
        }
        return index
    }

    private func buildPersisted(current: [Int64: UInt64], stamp: String?) throws -> HNSWIndex {
        let rows = try store.embeddings()
        let index = HNSWIndex(dimension: dimension, parameters: policy.parameters, capacity: rows.count)
        var ids: [Int64] = []
        var vectors: [Float] = []
        ids.reserveCapacity(rows.count)
        vectors.reserveCapacity(rows.count * dimension)
        for (rowID, vector) in rows where vector.count == dimension && current[rowID] != nil {
            ids.append(rowID)
            vectors += vector
        }
        try index.add(ids: ids, vectors: vectors, threads: policy.buildThreads)
        save(index, keys: current.filter { index.contains(id: $0.key) }, stamp: stamp)
        return index
    }

    /// The saved index brought up to date with the store, or nil when it has to be rebuilt (after saying why).
    private func updatedPersistedIndex(current: [Int64: UInt64], stamp: String?) throws -> HNSWIndex? {
        guard FileManager.default.fileExists(atPath: indexURL.path) else { return nil }
        let index: HNSWIndex
        let saved: [Int64: UInt64]
        do {
            index = try HNSWIndex.load(from: indexURL)
            saved = try Self.readKeys(keysURL)
        } catch {
            policy.report("\(error)")
            return nil
        }
        guard index.dimension == dimension, index.parameters.M == policy.parameters.M,
              index.parameters.efConstruction == policy.parameters.efConstruction else {
            policy.report("\(indexURL.path): built with other parameters or model; it will be rebuilt from the store")
            return nil
        }
        let live = index.liveIDs
        guard live.count == saved.count, live.allSatisfy({ saved[$0] != nil }) else {
            policy.report("\(keysURL.path) does not match \(indexURL.path); the index will be rebuilt from the store")
            return nil
        }
        let stale = saved.compactMap { id, hash in current[id] == hash ? nil : id }
        let missing = current.compactMap { id, hash in saved[id] == hash ? nil : id }.sorted()
        let tombstones = index.tombstoneCount + stale.count
        if Double(tombstones) > policy.maxTombstoneFraction * Double(max(current.count, 1)) {
            return nil  // cheaper and better to rebuild than to route through that many removed nodes
        }
        guard !stale.isEmpty || !missing.isEmpty else {
            if let stamp { writeStamp(stamp) }
            return index
        }
        for id in stale { index.remove(id: id) }
        var ids: [Int64] = []
        var vectors: [Float] = []
        for (rowID, vector) in try store.embeddings(rowIDs: missing) where vector.count == dimension {
            ids.append(rowID)
            vectors += vector
        }
        try index.add(ids: ids, vectors: vectors, threads: policy.buildThreads)
        save(index, keys: current.filter { index.contains(id: $0.key) }, stamp: stamp)
        return index
    }

    /// Saves the index and its keys, then the stamp they match; a failure is reported, not thrown (the index in
    /// memory is still right).
    private func save(_ index: HNSWIndex, keys: [Int64: UInt64], stamp: String?) {
        do {
            try? FileManager.default.removeItem(at: generationURL)
            try index.save(to: indexURL)
            try Self.writeKeys(keys, to: keysURL)
            if let stamp { writeStamp(stamp) }
        } catch {
            try? FileManager.default.removeItem(at: keysURL)  // an index without matching keys is rebuilt
            policy.report("\(error); the index will be built again next time")
        }
    }

    /// Records that the saved index matches `stamp` and that the file as it is now was checked (it was just
    /// written or fully verified); best effort (without it the next open compares keys).
    private func writeStamp(_ stamp: String) {
        try? Data((stamp + "\n" + (fileSignature() ?? "")).utf8).write(to: generationURL, options: .atomic)
    }

    // MARK: - index.keys: "FOLIOKEY", count, then (row id, hash) pairs sorted by row id, then a checksum.

    static func hash(_ chunkID: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in chunkID.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    static func writeKeys(_ keys: [Int64: UInt64], to url: URL) throws {
        var words: [UInt64] = [UInt64(keys.count)]
        words.reserveCapacity(2 * keys.count + 2)
        for (id, hash) in keys.sorted(by: { $0.key < $1.key }) { words += [UInt64(bitPattern: id), hash] }
        words.append(checksum(words))
        var data = Data("FOLIOKEY".utf8)
        words.withUnsafeBufferPointer { buffer in
            for word in buffer { withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) } }
        }
        do { try data.write(to: url, options: .atomic) } catch {
            throw FolioIndexError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }

    static func readKeys(_ url: URL) throws -> [Int64: UInt64] {
        func corrupt(_ reason: String) -> FolioIndexError { .corruptFile(path: url.path, reason: reason) }
        guard let data = try? Data(contentsOf: url) else { throw corrupt("missing or unreadable") }
        guard data.count >= 24, data.prefix(8) == Data("FOLIOKEY".utf8), (data.count - 8) % 8 == 0 else {
            throw corrupt("not a Folio index key file")
        }
        let words = data.dropFirst(8).withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        guard words[0] == UInt64(words.count - 2) / 2, words.count % 2 == 0 else { throw corrupt("wrong length") }
        guard checksum(Array(words.dropLast())) == words.last else { throw corrupt("checksum mismatch") }
        var keys: [Int64: UInt64] = [:]
        keys.reserveCapacity(Int(words[0]))
        var i = 1
        while i + 1 < words.count {
            keys[Int64(bitPattern: words[i])] = words[i + 1]
            i += 2
        }
        return keys
    }

    private static func checksum(_ words: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x8422_2325_CBF2_9CE4
        for word in words { h = ((h ^ word) &* 0x9E37_79B9_7F4A_7C15).rotateLeft(29) }
        return h
    }
}

private extension UInt64 {
    func rotateLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
