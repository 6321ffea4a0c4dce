import Foundation

// The index file, version 1, little-endian:
//
//   [0, 4096)        header: magic "FOLIOHNS", version, dimension, M, efConstruction, efSearch, seed, node and
//                    tombstone counts, entry point, max level, record layout, upper-link words, file size, payload
//                    checksum, header checksum (over the 136 bytes before it)
//   level0           [nodes, stride] records `[link count, M0 links | vector]`, exactly as in memory, so a load
//                    maps them instead of reading them
//   ids              [nodes] Int64
//   levels           [nodes] UInt8
//   tombstones       [nodes] UInt8
//   upper links      for each node with level > 0, in node order: [level, 1 + M] UInt32
//
// Every section starts on a 4096-byte boundary (zero padding, covered by the payload checksum).

extension HNSWIndex {
    static let magic: [UInt8] = Array("FOLIOHNS".utf8)
    /// The file format version this build writes and reads.
    public static let fileVersion = 1
    static let headerBytes = 4096
    static let headerChecksumOffset = 136

    struct FileLayout {
        let nodes: Int
        let stride: Int
        let upperWords: Int
        var level0: Int { HNSWIndex.headerBytes }
        var ids: Int { level0 + HNSWIndex.roundUp(nodes * stride, to: 4096) }
        var levels: Int { ids + HNSWIndex.roundUp(nodes * 8, to: 4096) }
        var tombstones: Int { levels + HNSWIndex.roundUp(nodes, to: 4096) }
        var upper: Int { tombstones + HNSWIndex.roundUp(nodes, to: 4096) }
        var fileSize: Int { upper + HNSWIndex.roundUp(upperWords * 4, to: 4096) }
    }

    /// Writes the index to `url` atomically (a temporary file renamed over it). Searches may run meanwhile.
    /// - Throws: `FolioIndexError.cannotWrite` naming the file.
    public func save(to url: URL) throws {
        try rw.reading {
            let path = url.path
            let temporary = path + ".tmp-\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw FolioIndexError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            var closed = false
            defer {
                if !closed { close(fd) }
                unlink(temporary)
            }
            var upperWords = 0
            for node in 0..<nodeCount { upperWords += Int(levels[node]) * (1 + M) }
            let layout = FileLayout(nodes: nodeCount, stride: stride, upperWords: upperWords)
            var writer = ChecksummedWriter(fd: fd, path: path)
            try writer.pad(to: layout.level0, checksum: false)
            try writer.write(UnsafeRawBufferPointer(start: level0, count: nodeCount * stride))
            try writer.pad(to: layout.ids)
            try writer.write(UnsafeRawBufferPointer(start: ids, count: nodeCount * 8))
            try writer.pad(to: layout.levels)
            try writer.write(UnsafeRawBufferPointer(start: levels, count: nodeCount))
            try writer.pad(to: layout.tombstones)
            try writer.write(UnsafeRawBufferPointer(start: deleted, count: nodeCount))
            try writer.pad(to: layout.upper)
            for node in 0..<nodeCount where levels[node] > 0 {
                try writer.write(UnsafeRawBufferPointer(start: upper[node]!, count: Int(levels[node]) * (1 + M) * 4))
            }
            try writer.pad(to: layout.fileSize)

            var header = [UInt8](repeating: 0, count: Self.headerBytes)
            header.withUnsafeMutableBytes { raw in
                raw.copyBytes(from: Self.magic)
                var fields = HeaderFields()
                fields.version = UInt64(Self.fileVersion)
                fields.dimension = UInt64(dimension)
                fields.M = UInt64(M)
                fields.efConstruction = UInt64(parameters.efConstruction)
                fields.efSearch = UInt64(efSearchLocked)
                fields.seed = parameters.seed
                fields.nodes = UInt64(nodeCount)
                fields.tombstones = UInt64(deletedCount)
                fields.entryPoint = UInt64(bitPattern: Int64(entryPoint))
                fields.maxLevel = UInt64(bitPattern: Int64(maxLevel))
                fields.stride = UInt64(stride)
                fields.linkBytes = UInt64(linkBytes)
                fields.upperWords = UInt64(upperWords)
                fields.fileSize = UInt64(layout.fileSize)
                fields.payloadChecksum = writer.checksum.value
                fields.store(into: raw)
                var headerSum = Checksum()
                headerSum.update(UnsafeRawBufferPointer(rebasing: raw[0..<Self.headerChecksumOffset - 8]))
                raw.storeBytes(of: headerSum.value.littleEndian, toByteOffset: Self.headerChecksumOffset, as: UInt64.self)
            }
            try header.withUnsafeBytes { raw in
                guard pwrite(fd, raw.baseAddress, raw.count, 0) == raw.count else {
                    throw FolioIndexError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
                }
            }
            guard fsync(fd) == 0 else {
                throw FolioIndexError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            close(fd)
            closed = true
            guard rename(temporary, path) == 0 else {
                throw FolioIndexError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Maps an index file written by `save(to:)`. The level-0 records (links and vectors) and ids stay in the
    /// mapping, so start-up reads only what searches touch beyond the checks; the first `add` copies them out.
    ///
    /// The header, both checksums, the layout and the graph itself (every link in range, no self links, degree
    /// bounds) are checked, so a truncated, corrupt or foreign file is reported rather than searched.
    /// - Parameter mapped: false copies the records into anonymous memory (huge pages where the system allows):
    ///   slower to open, faster to search for a long-running process.
    /// - Throws: `FolioIndexError.cannotRead`, `.corruptFile`, `.unsupportedVersion`, naming the file.
    /// - Complexity: O(file size) for the checksum.
    /// - Parameter verify: check the payload checksum and every link (reads the whole file). Pass false only for
    ///   a file this process's caller verified before and knows unchanged since (same size, time and inode).
    public static func load(from url: URL, mapped: Bool = true, verify: Bool = true) throws -> HNSWIndex {
        let index = try loadMapped(from: url, verify: verify)
        if !mapped { index.rw.writing { index.reserve(index.nodeCount) } }
        return index
    }

    private static func loadMapped(from url: URL, verify: Bool) throws -> HNSWIndex {
        let path = url.path
        let file = try MappedFile(path: path)
        let raw = file.bytes
        func corrupt(_ reason: String) -> FolioIndexError { .corruptFile(path: path, reason: reason) }
        guard raw.count >= headerBytes else {
            throw corrupt("file is \(raw.count) bytes, shorter than its \(headerBytes)-byte header (truncated?)")
        }
        guard Array(raw[0..<8]) == magic else { throw corrupt("not a Folio HNSW index file") }
        let fields = HeaderFields(loading: raw)
        guard fields.version == UInt64(fileVersion) else {
            throw FolioIndexError.unsupportedVersion(path: path, version: Int(truncatingIfNeeded: fields.version))
        }
        var headerSum = Checksum()
        headerSum.update(UnsafeRawBufferPointer(rebasing: raw[0..<headerChecksumOffset - 8]))
        guard headerSum.value == raw.loadUnaligned(fromByteOffset: headerChecksumOffset, as: UInt64.self).littleEndian
        else { throw corrupt("header checksum mismatch") }
        guard fields.dimension > 0, fields.dimension < 1 << 20, fields.M >= 2, fields.M <= 255,
              fields.efConstruction >= 1, fields.efSearch >= 1, fields.nodes < 1 << 32
        else { throw corrupt("header fields out of range") }
        let parameters = HNSWParameters(M: Int(fields.M), efConstruction: Int(fields.efConstruction),
                                        efSearch: Int(fields.efSearch), seed: fields.seed)
        let nodes = Int(fields.nodes)
        let index = HNSWIndex(dimension: Int(fields.dimension), parameters: parameters, capacity: 16)
        guard fields.stride == UInt64(index.stride), fields.linkBytes == UInt64(index.linkBytes) else {
            throw corrupt("record layout \(fields.stride)/\(fields.linkBytes) does not match the header's parameters")
        }
        let layout = FileLayout(nodes: nodes, stride: index.stride, upperWords: Int(fields.upperWords))
        guard fields.fileSize == UInt64(layout.fileSize) else { throw corrupt("header size disagrees with its counts") }
        guard raw.count == layout.fileSize else {
            throw corrupt("file is \(raw.count) bytes, expected \(layout.fileSize) (truncated?)")
        }
        if verify {
            var payload = Checksum()
            payload.update(UnsafeRawBufferPointer(rebasing: raw[headerBytes...]))
            guard payload.value == fields.payloadChecksum else { throw corrupt("payload checksum mismatch") }
        }

        // Owned copies of the small per-node arrays; level-0 records and ids stay mapped.
        let base = file.base
        index.freeStorage()
        index.mapping = file
        index.capacity = nodes
        index.level0 = base + layout.level0
        index.ids = (base + layout.ids).assumingMemoryBound(to: Int64.self)
        index.levels = .allocate(capacity: max(nodes, 1))
        index.levels.update(from: (base + layout.levels).assumingMemoryBound(to: UInt8.self), count: nodes)
        index.deleted = .allocate(capacity: max(nodes, 1))
        index.deleted.update(from: (base + layout.tombstones).assumingMemoryBound(to: UInt8.self), count: nodes)
        index.upper = .allocate(capacity: max(nodes, 1))
        index.upper.initialize(repeating: nil, count: nodes)
        index.nodeCount = nodes
        var words = 0
        let upperSource = (base + layout.upper).assumingMemoryBound(to: UInt32.self)
        for node in 0..<nodes {
            let level = Int(index.levels[node])
            guard level > 0 else { continue }
            let count = level * (1 + index.M)
            guard words + count <= layout.upperWords else { throw corrupt("upper links overrun their section") }
            let block = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
            block.update(from: upperSource + words, count: count)
            index.upper[node] = block
            words += count
        }
        guard words == layout.upperWords else { throw corrupt("upper links do not fill their section") }
        index.entryPoint = Int(Int64(bitPattern: fields.entryPoint))
        index.maxLevel = Int(Int64(bitPattern: fields.maxLevel))
        index.deletedCount = Int(fields.tombstones)
        if verify, let problem = index.integrityProblems(limit: 1).first { throw corrupt(problem) }
        var nodeOf = [Int64: UInt32](minimumCapacity: nodes)
        for node in 0..<nodes where index.deleted[node] == 0 {
            guard nodeOf.updateValue(UInt32(node), forKey: index.ids[node]) == nil else {
                throw corrupt("id \(index.ids[node]) appears twice")
            }
        }
        index.nodeOf = nodeOf
        // Continue the level draw where a fresh generator would be after `nodes` draws is not needed: any seed
        // gives valid levels; derive one from the seed and the node count so later adds stay reproducible.
        index.rng = SplitMix64(state: parameters.seed ^ (UInt64(nodes) &* 0x9E37_79B9_7F4A_7C15))
        return index
    }

    /// Checks the graph's invariants: every link in range and pointing at a node that has that level, no self or
    /// duplicate links, at most `M` links per upper list and `M0` on level 0, levels and entry point consistent,
    /// tombstone count right.
    /// - Parameter limit: stop after this many problems.
    /// - Returns: one line per problem; empty when the graph is sound.
    /// - Complexity: O(n·M0).
    public func integrityProblems(limit: Int = 10) -> [String] {
        rw.reading {
            var problems: [String] = []
            func report(_ problem: String) -> Bool {
                problems.append(problem)
                return problems.count >= limit
            }
            if nodeCount == 0 {
                if entryPoint != -1 { _ = report("empty index has entry point \(entryPoint)") }
                return problems
            }
            guard entryPoint >= 0 && entryPoint < nodeCount else { return ["entry point \(entryPoint) out of range"] }
            guard maxLevel >= 0 && maxLevel <= 64 && Int(levels[entryPoint]) == maxLevel else {
                return ["entry point level \(levels[entryPoint]) differs from max level \(maxLevel)"]
            }
            let g = graph
            var tombstones = 0
            var seen = [Int32](repeating: -1, count: nodeCount)
            for node in 0..<nodeCount {
                if deleted[node] > 1 { if report("node \(node): tombstone byte \(deleted[node])") { return problems } }
                tombstones += Int(deleted[node])
                let level = Int(levels[node])
                if level > maxLevel {
                    if report("node \(node): level \(level) above max level \(maxLevel)") { return problems }
                    continue
                }
                for lc in 0...level {
                    let list = g.links(UInt32(node), level: lc)
                    let count = Int(list[0])
                    let bound = lc == 0 ? M0 : M
                    if count > bound {
                        if report("node \(node) level \(lc): \(count) links, more than \(bound)") { return problems }
                        continue
                    }
                    for i in 0..<count {
                        let target = Int(list[1 + i])
                        if target >= nodeCount {
                            if report("node \(node) level \(lc): link \(target) out of range") { return problems }
                        } else if target == node {
                            if report("node \(node) level \(lc): links to itself") { return problems }
                        } else if Int(levels[target]) < lc {
                            if report("node \(node) level \(lc): link to \(target), which has no level \(lc)") {
                                return problems
                            }
                        } else if seen[target] == Int32(truncatingIfNeeded: node * 65 + lc) {
                            if report("node \(node) level \(lc): duplicate link to \(target)") { return problems }
                        } else {
                            seen[target] = Int32(truncatingIfNeeded: node * 65 + lc)
                        }
                    }
                }
            }
            if tombstones != deletedCount { _ = report("\(tombstones) tombstones, header says \(deletedCount)") }
            return problems
        }
    }
}

/// The header's numeric fields, in file order from byte 8.
struct HeaderFields {
    var version: UInt64 = 0
    var dimension: UInt64 = 0
    var M: UInt64 = 0
    var efConstruction: UInt64 = 0
    var efSearch: UInt64 = 0
    var seed: UInt64 = 0
    var nodes: UInt64 = 0
    var tombstones: UInt64 = 0
    var entryPoint: UInt64 = 0
    var maxLevel: UInt64 = 0
    var stride: UInt64 = 0
    var linkBytes: UInt64 = 0
    var upperWords: UInt64 = 0
    var fileSize: UInt64 = 0
    var payloadChecksum: UInt64 = 0

    init() {}

    private var all: [UInt64] {
        [version, dimension, M, efConstruction, efSearch, seed, nodes, tombstones, entryPoint, maxLevel, stride,
         linkBytes, upperWords, fileSize, payloadChecksum]
    }

    init(loading raw: UnsafeRawBufferPointer) {
        func field(_ i: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: 8 + 8 * i, as: UInt64.self).littleEndian }
        version = field(0); dimension = field(1); M = field(2); efConstruction = field(3); efSearch = field(4)
        seed = field(5); nodes = field(6); tombstones = field(7); entryPoint = field(8); maxLevel = field(9)
        stride = field(10); linkBytes = field(11); upperWords = field(12); fileSize = field(13)
        payloadChecksum = field(14)
    }

    func store(into raw: UnsafeMutableRawBufferPointer) {
        for (i, value) in all.enumerated() {
            raw.storeBytes(of: value.littleEndian, toByteOffset: 8 + 8 * i, as: UInt64.self)
        }
    }
}

/// A fast 64-bit checksum for detecting damaged files (not an adversarial hash): four independent lanes, each
/// `rotl((h ^ word) · p, 29)` per 8-byte word (both steps are bijections, so any single changed word changes the
/// result), mixed at the end with the length. Streaming: the result does not depend on how the input is split.
struct Checksum {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) =
        (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344, 0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89)
    private var pending = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // a partial 32-byte block
    private var pendingCount = 0
    private var length: UInt64 = 0
    private static let prime: UInt64 = 0x9E37_79B9_7F4A_7C15 | 1

    @inline(__always) private static func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = (h ^ w) &* prime
        return (x << 29) | (x >> 35)
    }

    @inline(__always) private mutating func block(_ p: UnsafeRawPointer) {
        lanes.0 = Self.step(lanes.0, p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        lanes.1 = Self.step(lanes.1, p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        lanes.2 = Self.step(lanes.2, p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        lanes.3 = Self.step(lanes.3, p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, var p = bytes.baseAddress else { return }
        var n = bytes.count
        length &+= UInt64(n)
        if pendingCount > 0 {
            let take = min(32 - pendingCount, n)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: filled).copyMemory(from: p, byteCount: take) }
            pendingCount += take
            p += take
            n -= take
            guard pendingCount == 32 else { return }
            let full = pending
            withUnsafeBytes(of: full) { block($0.baseAddress!) }
            pendingCount = 0
        }
        var (a, b, c, d) = lanes
        while n >= 32 {
            a = Self.step(a, p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            b = Self.step(b, p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            c = Self.step(c, p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            d = Self.step(d, p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            p += 32
            n -= 32
        }
        lanes = (a, b, c, d)
        if n > 0 {
            pending = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            pendingCount = n
        }
    }

    var value: UInt64 {
        var copy = self
        if copy.pendingCount > 0 {
            var tail = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            let count = copy.pendingCount
            withUnsafeMutableBytes(of: &tail) { dst in
                withUnsafeBytes(of: copy.pending) { dst.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: count) }
            }
            withUnsafeBytes(of: tail) { copy.block($0.baseAddress!) }
        }
        var h = length &* Self.prime
        for lane in [copy.lanes.0, copy.lanes.1, copy.lanes.2, copy.lanes.3] { h = Self.step(h, lane) }
        return h ^ (h >> 32)
    }
}

/// Writes a file in order, checksumming everything after the header.
struct ChecksummedWriter {
    let fd: Int32
    let path: String
    private(set) var offset = 0
    var checksum = Checksum()
    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer, checksum include: Bool = true) throws {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        var written = 0
        while written < bytes.count {
            let n = Foundation.write(fd, base + written, min(bytes.count - written, 1 << 26))
            guard n > 0 else { throw FolioIndexError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            written += n
        }
        if include { checksum.update(bytes) }
        offset += bytes.count
    }

    /// Zero bytes up to `target`.
    mutating func pad(to target: Int, checksum include: Bool = true) throws {
        while offset < target {
            let n = min(target - offset, Self.zeros.count)
            try Self.zeros.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), checksum: include) }
        }
    }
}

/// A whole file mapped copy-on-write (`MAP_PRIVATE`), unmapped when the last index using it goes away.
/// `@unchecked Sendable`: `base` and `count` never change after init, and the mapped bytes are only read (`reserve`
/// copies them out before the first write); every access goes through the owning `HNSWIndex`'s `rw`.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FolioIndexError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FolioIndexError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        count = Int(info.st_size)
        guard count > 0 else { throw FolioIndexError.corruptFile(path: path, reason: "file is empty") }
        guard let mapped = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw FolioIndexError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        base = mapped
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit { munmap(base, count) }
}
