import ArgumentParser
import FolioEncoder
import FolioEngine
import FolioStore
import Foundation

/// What a library of thousands of documents costs: adds synthetic documents to a store, then times whole `folio`
/// processes on it (ask, search, docs) and scores the questions on it, so the same command run at 0, 200 and 2,000
/// added documents shows which costs grow with the library.
///
/// The synthetic documents are made to be cheap to add and realistic to search, not to be read: each has
/// `--chunks-per-document` chunks of about 100 words cut from `--passages` (real English prose: Debian's licence
/// texts in the shared fixtures), and a chunk's vector is the real encoder's embedding of a pool text plus a little
/// noise (embedding 200,000 chunks would take two hours on two cores), so dense search meets neighbours that look
/// like real ones and BM25 meets real words with real frequencies. They are off-topic for the reading list: they test
/// that cost does not grow and that many distractors do not bury an answer, not how near-duplicates rank.
struct LibraryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "Add N synthetic documents to a store, then time folio ask, search and docs on it.",
        discussion: """
            The store stays an ordinary store that folio opens (the documents are named synthetic-N.pdf and can be \
            removed with folio remove). Run it on a copy of a corpus store, once per size, e.g.:
              folio ingest Corpus/ --store /tmp/lib && cp -r /tmp/lib /tmp/lib-200
              folio-bench library --documents 200 --store /tmp/lib-200 --questions ../shared/eval/dev.jsonl
            --documents 0 measures the store as it is (the reference row).
            """)

    @Option(help: "Synthetic documents to add (0: measure the store as it is).")
    var documents: Int

    @Option(help: "The store folder (created when missing).")
    var store: String

    @Option(help: "Chunks per synthetic document.")
    var chunksPerDocument = 100

    @Option(help: "A JSON array of passages the synthetic chunks are cut from.")
    var passages = "../shared/fixtures/bench_passages_1000x200w.json"

    @Option(help: "Questions (folio eval's format) asked for the latency figures and scored for hit@5.")
    var questions = "../shared/eval/dev.jsonl"

    @Option(help: "The folio binary timed (default: the folio next to this folio-bench).")
    var folio: String?

    @Option(help: "Questions timed for ask and search (the first N of --questions, cycled).")
    var runs = 11

    @Option(help: "Model folder (default: $FOLIO_MODEL, else Models/all-MiniLM-L6-v2 of the checkout).")
    var model: String?

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        guard documents >= 0 else { throw ValidationError("--documents must be 0 or more") }
        guard chunksPerDocument > 0 else { throw ValidationError("--chunks-per-document must be positive") }
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: store)
        let folioBinary = folio ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("folio").path
        guard FileManager.default.isExecutableFile(atPath: folioBinary) else {
            throw ValidationError("no folio binary at \(folioBinary); build it (swift build -c release --product folio) or pass --folio")
        }
        let questionTexts = try Self.questions(in: questions)
        var result: [String: Any] = ["added_documents": documents, "chunks_per_document": chunksPerDocument]

        if documents > 0 {
            let added = try addSynthetic(to: directory)
            result["add_seconds"] = added.seconds
            result["add_chunks_per_s"] = Double(added.chunks) / added.seconds
            result["embed_pool_seconds"] = added.poolSeconds
        }
        let opened = try FolioStore(directory: directory)
        let docs = try opened.documents()
        result["documents"] = docs.count
        result["chunks"] = docs.reduce(0) { $0 + $1.chunkCount }

        // The first query builds (or brings up to date) the persisted index; timed on its own.
        let first = try Self.timed(folioBinary, ["search", "--store", store, "--k", "1", questionTexts[0]])
        result["first_query_seconds"] = first.seconds
        result["store_mb"] = Self.megabytes(of: directory)

        var ask: [Double] = [], search: [Double] = [], docsTimes: [Double] = [], peak = 0.0
        var askCPU: [Double] = [], searchCPU: [Double] = [], docsCPU: [Double] = []
        for i in 0 ..< runs {
            let question = questionTexts[i % questionTexts.count]
            let a = try Self.timed(folioBinary, ["ask", "--store", store, question])
            let s = try Self.timed(folioBinary, ["search", "--store", store, question])
            let d = try Self.timed(folioBinary, ["docs", "--store", store])
            ask.append(a.seconds); search.append(s.seconds); docsTimes.append(d.seconds)
            askCPU.append(a.cpu); searchCPU.append(s.cpu); docsCPU.append(d.cpu)
            peak = max(peak, a.peakMB, s.peakMB, d.peakMB)
        }
        result["ask_ms_median"] = Bench.median(ask) * 1000
        result["ask_ms_p95"] = Self.percentile(ask, 0.95) * 1000
        result["search_ms_median"] = Bench.median(search) * 1000
        result["search_ms_p95"] = Self.percentile(search, 0.95) * 1000
        result["docs_ms_median"] = Bench.median(docsTimes) * 1000
        // CPU seconds (user + system) of each process: on a shared machine wall time counts the neighbours' work.
        result["ask_cpu_ms_median"] = Bench.median(askCPU) * 1000
        result["search_cpu_ms_median"] = Bench.median(searchCPU) * 1000
        result["docs_cpu_ms_median"] = Bench.median(docsCPU) * 1000
        result["peak_rss_mb"] = peak
        result["hit_at_5"] = try Self.hitAt5(folioBinary, store: store, questions: questions)

        if json {
            Bench.printJSON(result)
            return
        }
        func f(_ key: String, _ format: String = "%.1f") -> String {
            (result[key] as? Double).map { String(format: format, $0) } ?? "\(result[key] ?? "-")"
        }
        print("\(result["documents"] ?? 0) documents, \(result["chunks"] ?? 0) chunks (\(documents) synthetic added), store \(f("store_mb")) MB")
        if documents > 0 { print("added in \(f("add_seconds")) s (\(f("add_chunks_per_s", "%.0f")) chunks/s; pool embedded in \(f("embed_pool_seconds")) s)") }
        print("first query (index build or update) \(f("first_query_seconds", "%.2f")) s")
        print("folio ask     median \(f("ask_ms_median")) ms  p95 \(f("ask_ms_p95")) ms  CPU \(f("ask_cpu_ms_median")) ms  (\(runs) processes)")
        print("folio search  median \(f("search_ms_median")) ms  p95 \(f("search_ms_p95")) ms  CPU \(f("search_cpu_ms_median")) ms")
        print("folio docs    median \(f("docs_ms_median")) ms  CPU \(f("docs_cpu_ms_median")) ms")
        print("peak RSS of any folio process \(f("peak_rss_mb")) MB; hit@5 on \(questions): \(f("hit_at_5", "%.3f"))")
    }

    /// Adds the synthetic documents, each in its own transaction as `folio ingest` would.
    private func addSynthetic(to directory: URL) throws -> (seconds: Double, chunks: Int, poolSeconds: Double) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: passages)) } catch {
            throw ValidationError("cannot read \(passages): \(error.localizedDescription)")
        }
        guard let source = try? JSONDecoder().decode([String].self, from: data), !source.isEmpty else {
            throw ValidationError("\(passages) is not a non-empty JSON array of strings")
        }
        // The pool: each passage cut into pieces of about 100 words.
        var pool: [String] = []
        for passage in source {
            let words = passage.split(separator: " ")
            stride(from: 0, to: words.count, by: 100).forEach { start in
                let piece = words[start ..< min(start + 100, words.count)]
                if piece.count >= 40 { pool.append(piece.joined(separator: " ")) }
            }
        }
        guard !pool.isEmpty else { throw ValidationError("\(passages) has no passage of 40 words or more") }
        let encoder = try SentenceEncoder(modelDirectory: FolioPaths.modelDirectory(explicit: model))
        var vectors: [[Float]] = []
        let poolSeconds = Bench.time { vectors = encoder.embed(pool) }

        let target = try FolioStore(directory: directory)
        let existing = Set(try target.documents().map(\.fileName))
        var generator = GaussianGenerator(seed: 20261208)
        var chunks = 0
        let seconds = try Bench.time {
            var number = 0
            var added = 0
            while added < documents {
                number += 1
                let fileName = "synthetic-\(number).pdf"
                if existing.contains(fileName) { continue }
                added += 1
                let first = Int(generator.nextIndex(pool.count))
                let topic = pool[first].split(separator: " ").prefix(6).joined(separator: " ")
                var newChunks: [NewChunk] = []
                var pages: [(number: Int, text: String)] = []
                var pageText = ""
                for ordinal in 0 ..< chunksPerDocument {
                    let pick = ordinal == 0 ? first : Int(generator.nextIndex(pool.count))
                    let page = ordinal / 10 + 1
                    var vector = vectors[pick]
                    var norm: Float = 0
                    for d in vector.indices {
                        vector[d] += 0.02 * generator.next()
                        norm += vector[d] * vector[d]
                    }
                    norm = norm.squareRoot()
                    for d in vector.indices { vector[d] /= norm }
                    newChunks.append(NewChunk(ordinal: ordinal, pageStart: page, pageEnd: page, section: nil,
                                              text: pool[pick], tokenCount: 130, embedding: vector))
                    pageText += pool[pick] + "\n"
                    if ordinal % 10 == 9 || ordinal == chunksPerDocument - 1 {
                        pages.append((page, pageText))
                        pageText = ""
                    }
                }
                let hash = SHA256.hex(of: Data("folio-bench library \(fileName)".utf8))
                // The names its opening introduces, found as `folio ingest` finds them.
                let opening = newChunks.prefix(Retriever.openingChunks).map(\.text).joined(separator: " ")
                try target.insert(NewDocument(path: "/synthetic/\(fileName)", fileName: fileName, sha256: hash,
                                              title: "Synthetic \(number): \(topic)", author: nil, pages: pages,
                                              chunks: newChunks,
                                              introducedNames: Retriever.introducedNames(in: opening)))
                chunks += newChunks.count
            }
        }
        return (seconds, chunks, poolSeconds)
    }

    static func questions(in path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        let out = text.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["question"] as? String
        }
        guard !out.isEmpty else { throw ValidationError("\(path) holds no question lines") }
        return out
    }

    /// Runs `folio` to completion; wall seconds and the child's peak RSS. Spawned directly rather than through
    /// `Process`, which reaps its children itself and so loses their resource usage.
    static func timed(_ binary: String, _ arguments: [String]) throws -> (seconds: Double, cpu: Double, peakMB: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ValidationError("cannot run \(binary): error \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw ValidationError("lost the folio process") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // folio ask exits 0 for an answer and for an abstention; anything else is a failed run, not a timing.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw ValidationError("folio \(arguments.joined(separator: " ")) failed (status \(status))")
        }
        func clock(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (seconds, clock(usage.ru_utime) + clock(usage.ru_stime), Double(usage.ru_maxrss) / 1024)
    }

    static func hitAt5(_ binary: String, store: String, questions: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["eval", "--store", store, "--json", questions]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let value = Self.find("hit_at5", in: object) else {
            throw ValidationError("folio eval gave no hit@5")
        }
        return value
    }

    static func find(_ key: String, in object: [String: Any]) -> Double? {
        if let value = object[key] as? NSNumber { return value.doubleValue }
        for value in object.values {
            if let nested = value as? [String: Any], let found = find(key, in: nested) { return found }
        }
        return nil
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func megabytes(of directory: URL) -> Double {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let bytes = names.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
        return Double(bytes) / 1e6
    }
}
