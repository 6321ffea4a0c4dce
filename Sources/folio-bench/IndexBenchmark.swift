import ArgumentParser
import FolioEngine
import FolioIndex
import FolioStore
import Foundation

/// HNSW build time, peak RSS, and recall@10 / single-thread QPS per `ef`, against exact `FlatIndex` ground truth.
struct IndexBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "HNSW build time, peak RSS, recall@10 and single-thread QPS per efSearch.",
        discussion: """
            Data: seeded unit vectors from a Gaussian mixture (--n, --dim, --seed), the embeddings of a Folio store \
            (--store), or files written by --export (--import). --export DIR writes base.f32 and queries.f32 \
            (little-endian float32, row-major), truth.i32 (the exact top 10 row numbers per query, from FlatIndex) \
            and meta.json with n, queries, dim; scripts/bench/compare-hnsw runs hnswlib on the same files.

            Examples:
              folio-bench index --n 100000 --dim 384 --seed 1 --export .bench/100k --json
              folio-bench index --import .bench/100k
              folio-bench index --store ./demo-store
            """)

    @Option(help: "Synthetic base vectors.")
    var n = 100_000
    @Option(help: "Dimension of synthetic vectors.")
    var dim = 384
    @Option(help: "Queries (synthetic, or sampled from a store).")
    var queries = 1000
    @Option(help: "Seed of the synthetic data.")
    var seed: UInt64 = 1
    @Option(help: "Read base/queries/truth from this folder (written by --export) instead of generating them.")
    var `import`: String?
    @Option(help: "Write the base, queries and exact top 10 to this folder.")
    var export: String?
    @Option(help: "Use this Folio store's chunk embeddings as the base.")
    var store: String?
    @Option(name: .customLong("M"), help: "HNSW M.")
    var m = 16
    @Option(help: "HNSW efConstruction.")
    var efConstruction = 200
    @Option(help: "Comma-separated efSearch values.")
    var ef = "10,20,40,80,160,320"
    @Option(help: "Insert threads for the build (searches are always single-threaded).")
    var threads = 1
    @Option(help: "Timed passes over the queries per ef; the median QPS is reported.")
    var runs = 3
    @Option(help: "Also save the index here and time a load.")
    var save: String?
    @Option(help: "Load this saved index (built from the same data) instead of building one; build_s is then the load time.")
    var load: String?
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard n > 0, dim > 0, queries > 0, runs > 0, threads > 0, m >= 2, m <= 255, efConstruction > 0 else {
            throw ValidationError("--n, --dim, --queries, --runs, --threads, --ef-construction must be positive, --M in 2...255")
        }
        guard efValues.count > 0 else { throw ValidationError("--ef must list positive integers, e.g. 10,20,40") }
    }

    var efValues: [Int] { ef.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 } }

    func run() throws {
        let k = 10
        var data = try loadData()
        let d = data.dim
        note("\(data.n) base vectors x \(d), \(data.queryCount) queries (\(data.source))")

        let ids = (0..<Int64(data.n)).map { $0 }
        var index = HNSWIndex(dimension: d, parameters: HNSWParameters(M: m, efConstruction: efConstruction),
                              capacity: load == nil ? data.n : 16)
        let buildTimes = try Bench.cpuTime {
            if let load {
                index = try HNSWIndex.load(from: URL(fileURLWithPath: load), mapped: false)
            } else {
                try index.add(ids: ids, vectors: data.base, threads: threads)
            }
        }
        guard index.count == data.n, index.dimension == d else {
            throw ValidationError("the index holds \(index.count) x \(index.dimension) vectors, the data \(data.n) x \(d)")
        }
        let build = buildTimes.wall
        let rss = Bench.peakRSSMiB()
        note(String(format: "build %.2f s (%.2f CPU s) with %d thread(s), peak RSS %.0f MiB", build,
                    buildTimes.process, threads, rss))
        let problems = index.integrityProblems(limit: 3)
        if !problems.isEmpty { throw ValidationError("graph integrity: \(problems.joined(separator: "; "))") }

        let queryRows: [[Float]] = (0..<data.queryCount).map { Array(data.queries[($0 * d)..<(($0 + 1) * d)]) }
        if data.truth == nil {
            note("exact top \(k) with FlatIndex…")
            let flat = FlatIndex(dimension: d)
            for row in 0..<data.n { try flat.add(id: Int64(row), vector: Array(data.base[(row * d)..<((row + 1) * d)])) }
            var truth: [Int32] = []
            truth.reserveCapacity(data.queryCount * k)
            for q in queryRows {
                let hits = flat.search(q, k: k).map { Int32($0.id) }
                truth += hits + [Int32](repeating: -1, count: k - hits.count)
            }
            data.truth = truth
        }
        if let export { try write(data, to: export) }
        let truth = data.truth!

        var curve: [[String: Any]] = []
        for efSearch in efValues {
            var found = 0
            for (qi, q) in queryRows.enumerated() {
                let expected = Set(truth[(qi * k)..<((qi + 1) * k)].filter { $0 >= 0 })
                found += index.search(q, k: k, ef: efSearch).filter { expected.contains(Int32($0.id)) }.count
            }
            let recall = Double(found) / Double(truth.filter { $0 >= 0 }.count)
            var times: [Double] = []
            var cpuTimes: [Double] = []
            var sink: Int64 = 0
            for _ in 0..<runs {
                let t = Bench.cpuTime {
                    for q in queryRows { sink &+= index.search(q, k: k, ef: efSearch).first?.id ?? 0 }
                }
                times.append(t.wall)
                cpuTimes.append(t.thread)
            }
            let qps = Double(queryRows.count) / Bench.median(times)
            let cpuQPS = Double(queryRows.count) / Bench.median(cpuTimes)
            if sink == Int64.min { print("") }  // keeps the searches from being optimized away
            curve.append(["ef": efSearch, "recall_at_10": recall, "qps": qps, "qps_cpu": cpuQPS])
            note(String(format: "ef %4d  recall@10 %.4f  %8.0f QPS (%8.0f per CPU second)", efSearch, recall, qps, cpuQPS))
        }

        var object: [String: Any] = [
            "n": data.n, "dim": d, "queries": data.queryCount, "M": m, "ef_construction": efConstruction,
            "threads": threads, "loaded": load != nil, "build_s": build, "build_cpu_s": buildTimes.process, "peak_rss_mb": rss, "curve": curve, "source": data.source,
        ]
        if let save {
            let url = URL(fileURLWithPath: save)
            let saveSeconds = try Bench.time { try index.save(to: url) }
            var loaded: HNSWIndex?
            let loadSeconds = try Bench.time { loaded = try HNSWIndex.load(from: url) }
            let same = loaded.map { l in queryRows.prefix(50).allSatisfy { l.search($0, k: k, ef: 40) == index.search($0, k: k, ef: 40) } } ?? false
            object["save_s"] = saveSeconds
            object["load_s"] = loadSeconds
            object["load_same_results"] = same
            note(String(format: "save %.2f s, mapped load (with checksum and graph check) %.2f s, same results: %@",
                        saveSeconds, loadSeconds, same ? "yes" : "NO"))
        }
        if json {
            Bench.printJSON(object)
        } else {
            print(String(format: "n=%d dim=%d M=%d efConstruction=%d threads=%d: build %.2f s, peak RSS %.0f MiB",
                         data.n, d, m, efConstruction, threads, build, rss))
            print("    ef  recall@10        QPS")
            for point in curve {
                print(String(format: "%6d  %9.4f  %9.0f", point["ef"] as! Int, point["recall_at_10"] as! Double,
                             point["qps"] as! Double))
            }
        }
    }

    // MARK: - Data

    struct Data {
        var n: Int
        var dim: Int
        var queryCount: Int
        var base: [Float]      // [n, dim]
        var queries: [Float]   // [queryCount, dim]
        var truth: [Int32]?    // [queryCount, 10]
        var source: String
    }

    private func loadData() throws -> Data {
        if let folder = `import` { return try read(from: folder) }
        if let store { return try storeData(store) }
        return synthetic()
    }

    /// A Gaussian mixture of unit vectors: 1,024 random centres, each point a centre plus noise whose per-dimension
    /// spread decays as 1/sqrt(1 + j/16) (so, like real embeddings, most variance lies in few directions), scaled
    /// to about the centre's norm, then normalized. Queries come from the same mixture.
    private func synthetic() -> Data {
        var rng = GaussianGenerator(seed: seed)
        let clusters = 1024
        var centres = [Float](repeating: 0, count: clusters * dim)
        for c in 0..<clusters {
            for j in 0..<dim { centres[c * dim + j] = rng.next() }
            normalize(&centres, row: c, dim: dim)
        }
        var spread = (0..<dim).map { Float(1 / (1 + Double($0) / 16).squareRoot()) }
        let total = spread.reduce(0) { $0 + $1 * $1 }.squareRoot()
        spread = spread.map { $0 / total }
        func sample(_ count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count * dim)
            for row in 0..<count {
                let c = Int(rng.nextIndex(clusters))
                for j in 0..<dim { out[row * dim + j] = centres[c * dim + j] + spread[j] * rng.next() }
                normalize(&out, row: row, dim: dim)
            }
            return out
        }
        let base = sample(n)
        let queryVectors = sample(queries)
        return Data(n: n, dim: dim, queryCount: queries, base: base, queries: queryVectors, truth: nil,
                    source: "gaussian mixture, seed \(seed)")
    }

    private func normalize(_ v: inout [Float], row: Int, dim: Int) {
        var s: Float = 0
        for j in 0..<dim { s += v[row * dim + j] * v[row * dim + j] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for j in 0..<dim { v[row * dim + j] *= inv }
    }

    private func storeData(_ path: String) throws -> Data {
        let folioStore = try FolioStore(directory: URL(fileURLWithPath: path), readOnly: true)
        let rows = try folioStore.embeddings()
        guard let d = rows.first?.vector.count else { throw ValidationError("\(path): the store has no chunks") }
        var base: [Float] = []
        base.reserveCapacity(rows.count * d)
        for row in rows where row.vector.count == d { base += row.vector }
        let count = base.count / d
        var rng = GaussianGenerator(seed: seed)
        let picks = (0..<min(queries, count)).map { _ in Int(rng.nextIndex(count)) }
        var queryVectors: [Float] = []
        for p in picks { queryVectors += base[(p * d)..<((p + 1) * d)] }
        return Data(n: count, dim: d, queryCount: picks.count, base: base, queries: queryVectors, truth: nil,
                    source: "store \(path)")
    }

    private func read(from folder: String) throws -> Data {
        let dir = URL(fileURLWithPath: folder)
        let metaURL = dir.appendingPathComponent("meta.json")
        guard let meta = try? JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: metaURL)) as? [String: Any],
              let count = meta["n"] as? Int, let queryCount = meta["queries"] as? Int, let d = meta["dim"] as? Int
        else { throw ValidationError("\(metaURL.path): missing or not {n, queries, dim}; write it with --export") }
        func floats(_ name: String, _ expected: Int) throws -> [Float] {
            let url = dir.appendingPathComponent(name)
            let bytes = try Foundation.Data(contentsOf: url)
            guard bytes.count == expected * 4 else {
                throw ValidationError("\(url.path): \(bytes.count) bytes, expected \(expected * 4); re-export it")
            }
            return bytes.withUnsafeBytes { raw in (0..<expected).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        }
        let base = try floats("base.f32", count * d)
        let queryVectors = try floats("queries.f32", queryCount * d)
        var truth: [Int32]?
        let truthURL = dir.appendingPathComponent("truth.i32")
        if let bytes = try? Foundation.Data(contentsOf: truthURL), bytes.count == queryCount * 10 * 4 {
            truth = bytes.withUnsafeBytes { raw in (0..<(queryCount * 10)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) } }
        }
        return Data(n: count, dim: d, queryCount: queryCount, base: base, queries: queryVectors, truth: truth,
                    source: "files in \(folder)")
    }

    private func write(_ data: Data, to folder: String) throws {
        let dir = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func bytes<T>(_ values: [T]) -> Foundation.Data { values.withUnsafeBytes { Foundation.Data($0) } }  // little-endian host
        try bytes(data.base).write(to: dir.appendingPathComponent("base.f32"))
        try bytes(data.queries).write(to: dir.appendingPathComponent("queries.f32"))
        try bytes(data.truth ?? []).write(to: dir.appendingPathComponent("truth.i32"))
        let meta: [String: Any] = ["n": data.n, "queries": data.queryCount, "dim": data.dim, "k": 10, "source": data.source]
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys]).write(to: dir.appendingPathComponent("meta.json"))
        note("wrote \(folder)/{base.f32,queries.f32,truth.i32,meta.json}")
    }

    private func note(_ message: String) {
        FileHandle.standardError.write(Foundation.Data((message + "\n").utf8))
    }
}

/// Seeded standard normals (SplitMix64 → Box-Muller).
struct GaussianGenerator {
    var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func nextIndex(_ bound: Int) -> UInt64 { nextBits() % UInt64(bound) }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let u1 = max(Double(nextBits() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(nextBits() >> 11) / Double(1 << 53)
        let r = (-2 * log(u1)).squareRoot()
        spare = Float(r * sin(2 * .pi * u2))
        return Float(r * cos(2 * .pi * u2))
    }
}
