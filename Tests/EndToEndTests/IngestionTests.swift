import FolioStore
import FolioTestSupport
import Foundation
import Testing

/// Runs a tool to completion; nil when it is not installed.
@discardableResult
func tool(_ path: String, _ arguments: [String]) -> Int32? {
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    return process.terminationStatus
}

/// The `documents` array of `folio docs --json`, keyed by file name.
func storedDocuments(_ folio: FolioBinary, store: String) throws -> [String: [String: Any]] {
    let object = try json(try folio.run(["docs", "--store", store, "--json"]).stdout)
    let list = object["documents"] as? [[String: Any]] ?? []
    return Dictionary(list.map { ($0["document"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
}

/// Opens the store directly and checks it is sound and holds whole documents only.
func checkWholeDocuments(store: URL) throws -> [DocumentRecord] {
    let opened = try FolioStore(directory: store, readOnly: true)
    #expect(try opened.integrityCheck() == "ok")
    let documents = try opened.documents()
    for document in documents {
        #expect(try opened.chunks(documentIDs: [document.id]).count == document.chunkCount, "\(document.fileName)")
        #expect(document.chunkCount > 0)
        for page in 1...max(document.pageCount, 1) where document.pageCount > 0 {
            #expect(try opened.pageText(documentID: document.id, page: page) != nil, "\(document.fileName) p.\(page)")
        }
    }
    return documents
}

/// `count` small three-page documents with distinct text.
func writeCorpus(count: Int, in directory: URL) throws -> [URL] {
    try (1...count).map { n in
        let url = directory.appendingPathComponent(String(format: "doc-%02d.pdf", n))
        try TestPDF.write(pages: (0..<3).map { p in
            TestPDF.wrap((0..<6).map { TestPDF.distinctSentence(n * 1000 + p * 10 + $0) }.joined(separator: " "))
        }, to: url, title: "Document \(n)")
        return url
    }
}

@Suite("Ingestion: bad input, incremental runs, crashes and kills", .serialized)
struct IngestionTests {
    @Test("every kind of bad input: one line naming the file, the run goes on, the good files are stored")
    func badInputs() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-input")
        defer { removeUnlessKept(root) }
        let input = root.appendingPathComponent("in put ü")  // spaces and non-ASCII in every path
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let good = input.appendingPathComponent("Ünïcode paper ü.pdf")
        try TestPDF.write(pages: [TestPDF.wrap(String(repeating: "Quokkas live on Rottnest Island near Perth. ", count: 10)),
                                  TestPDF.wrap("Wombats dig burrows with their strong claws.")], to: good, title: "Marsupials")
        _ = FileManager.default.createFile(atPath: input.appendingPathComponent("empty.pdf").path, contents: Data())
        try "just notes, not a PDF".write(to: input.appendingPathComponent("notes.pdf"), atomically: true, encoding: .utf8)
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 500))
            .write(to: input.appendingPathComponent("picture.pdf"))
        var generator = SystemRandomNumberGenerator()
        try Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            .write(to: input.appendingPathComponent("random.pdf"))
        let goodBytes = try Data(contentsOf: good)
        try goodBytes.prefix(goodBytes.count / 3).write(to: input.appendingPathComponent("truncated.pdf"))
        let locked = input.appendingPathComponent("locked.pdf")
        let encrypted = try #require(tool("/usr/bin/qpdf", ["--encrypt", "sesame", "owner", "256", "--", good.path, locked.path]),
                                     "qpdf is not installed (scripts/setup installs it)")
        #expect(encrypted == 0)
        try TestPDF.writeWithoutText(pages: 2, to: input.appendingPathComponent("scan.pdf"))
        try TestPDF.write(pages: [TestPDF.wrap(String(repeating: "Platypuses lay eggs and hunt by electroreception. ", count: 8)),
                                  [String(repeating: "§¶†‡•◊∆\u{1}\u{2}¤ ", count: 30)]],
                          to: input.appendingPathComponent("garbage page.pdf"))
        // A folder that contains itself through a symlink.
        let loop = input.appendingPathComponent("loop")
        try FileManager.default.createDirectory(at: loop, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: loop.appendingPathComponent("again").path, withDestinationPath: "..")

        let store = root.appendingPathComponent("store ü").path
        // The good file is also named on its own, twice: it must be stored once.
        let result = try folio.run(["ingest", "--store", store, "--json", input.path, good.path, good.path])
        #expect(result.status != 0)
        let stderr = result.stderr.split(separator: "\n").map(String.init)
        func line(_ name: String) -> String? { stderr.first { $0.contains(name) } }
        #expect(line("empty.pdf")?.contains("the file is empty") == true, "\(result.stderr)")
        #expect(line("notes.pdf")?.contains("not a PDF") == true)
        #expect(line("picture.pdf")?.contains("not a PDF") == true)
        #expect(line("random.pdf")?.contains("not a PDF") == true)
        #expect(line("locked.pdf")?.contains("encrypted; give its password with --password") == true)
        #expect(line("scan.pdf")?.contains("no usable text, even with OCR") == true, "\(result.stderr)")
        #expect(line("garbage page.pdf")?.contains("page 2: unreadable text") == true)
        #expect(line("truncated.pdf")?.contains("damaged PDF") == true, "\(result.stderr)")
        for message in stderr { #expect(message.hasPrefix("folio: "), "\(message)") }

        let summary = try json(result.stdout)
        #expect(summary["ingested"] as? Int == 2, "\(result.stdout)")
        let documents = try storedDocuments(folio, store: store)
        #expect(Set(documents.keys) == ["Ünïcode paper ü.pdf", "garbage page.pdf"])
        let garbage = try json(try folio.run(["chunks", "--store", store, "--doc", "garbage page.pdf", "--json"]).stdout)
        let texts = (garbage["chunks"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(texts.contains { $0.contains("electroreception") })
        #expect(!texts.joined().contains("¶"))
        _ = try checkWholeDocuments(store: URL(fileURLWithPath: store))

        // The password opens the encrypted file.
        let unlocked = try folio.run(["ingest", "--store", store, "--password", "sesame", locked.path])
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        // Same text as the good file, but different bytes: a separate document.
        #expect(try storedDocuments(folio, store: store)["locked.pdf"] != nil)
    }

    @Test("a PDF with a corrupt xref that Poppler repairs is ingested; a long document keeps every page")
    func repairableAndLong() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-repair")
        defer { removeUnlessKept(root) }
        let source = root.appendingPathComponent("source.pdf")
        try TestPDF.write(pages: [TestPDF.wrap(String(repeating: "Kakapo parrots are flightless and nocturnal. ", count: 10))], to: source)
        let plain = root.appendingPathComponent("plain.pdf")
        #expect(tool("/usr/bin/qpdf", ["--object-streams=disable", source.path, plain.path]) == 0)
        let bytes = try #require(TestPDF.breakingXrefEntries([UInt8](try Data(contentsOf: plain))))
        let input = root.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try Data(bytes).write(to: input.appendingPathComponent("repaired.pdf"))
        // Text on every 100th page only: the page count is large, the embedding work (slow in debug builds) small.
        let pages = 1000
        try TestPDF.write(pages: (1...pages).map { $0 % 100 == 0 ? [TestPDF.distinctSentence($0)] : [] },
                          to: input.appendingPathComponent("long.pdf"))
        let store = root.appendingPathComponent("store").path
        let result = try folio.run(["ingest", "--store", store, input.path])
        #expect(result.status == 0, "\(result.stderr)")
        let documents = try storedDocuments(folio, store: store)
        #expect(documents["repaired.pdf"]?["chunks"] as? Int ?? 0 > 0)
        #expect(documents["long.pdf"]?["pages"] as? Int == pages)
        let last = try json(try folio.run(["chunks", "--store", store, "--doc", "long.pdf", "--page", "\(pages)", "--json"]).stdout)
        let lastText = ((last["chunks"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }.joined()
        #expect(lastText.contains("page \(pages) "), "\(lastText)")
    }

    @Test("an unreadable file is named with the reason (run as an unprivileged user when the tests run as root)")
    func unreadable() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-perm")
        defer { removeUnlessKept(root) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root.path)
        let secret = root.appendingPathComponent("secret.pdf")
        try TestPDF.write(pages: [["Private words."]], to: secret)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: secret.path)
        let store = root.appendingPathComponent("store")
        var arguments = ["ingest", "--store", store.path, secret.path]
        var executable = folio
        if geteuid() == 0 {
            // Root reads mode-000 files, so drop to `nobody` for the run: the permission check is then real.
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv (util-linux) is needed")
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", folio.url.path] + arguments
            executable = FolioBinary(url: URL(fileURLWithPath: "/usr/bin/setpriv"))
        }
        let result = try executable.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("secret.pdf: cannot be read (Permission denied); check its permissions"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("a document that crashes or hangs the extraction worker costs only itself")
    func crashAndHang() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-crash")
        defer { removeUnlessKept(root) }
        try writeLibrary(in: root)
        try TestPDF.write(pages: [["Crashes Poppler, in the test hook."]], to: root.appendingPathComponent("crashy.pdf"))
        try TestPDF.write(pages: [["Hangs forever, in the test hook."]], to: root.appendingPathComponent("hangy.pdf"))
        let store = root.appendingPathComponent("store").path
        let started = Date()
        let result = try folio.run(["ingest", "--store", store, "--timeout", "3", root.path],
                                   environment: ["FOLIO_TEST_WORKER_FAULT": "crash:crashy,hang:hangy"])
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(result.status != 0)
        #expect(result.stderr.contains("crashy.pdf: crashed Poppler (signal 11, segmentation fault)"), "\(result.stderr)")
        #expect(result.stderr.contains("hangy.pdf: timed out after 3 s"), "\(result.stderr)")
        #expect(result.stdout.contains("3 ingested, 0 unchanged, 2 failed"), "\(result.stdout)")
    }

    @Test("incremental: unchanged files are not extracted, a changed or re-chunked file is replaced, moves and copies are recognized")
    func incremental() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-incr")
        defer { removeUnlessKept(root) }
        let library = root.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        try writeLibrary(in: library)
        let store = root.appendingPathComponent("store").path
        #expect(try folio.run(["ingest", "--store", store, library.path]).status == 0)
        let before = try storedDocuments(folio, store: store)

        let again = try json(try folio.run(["ingest", "--store", store, "--json", library.path]).stdout)
        #expect(again["extracted"] as? Int == 0)
        #expect(again["unchanged"] as? Int == 3)

        // Change bread.pdf: its old chunks go, the new ones come, in one transaction.
        try TestPDF.write(pages: [TestPDF.wrap("Rye bread needs a longer fermentation than wheat bread because rye "
                                               + "flour has little gluten and much amylase.")],
                          to: library.appendingPathComponent("bread.pdf"), title: "Notes on Baking, second edition")
        let changed = try json(try folio.run(["ingest", "--store", store, "--json", library.path]).stdout)
        #expect(changed["extracted"] as? Int == 1)
        let statuses = (changed["documents"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(statuses.sorted() == ["replaced", "unchanged", "unchanged"])
        let bread = try json(try folio.run(["chunks", "--store", store, "--doc", "bread.pdf", "--json"]).stdout)
        let breadText = (bread["chunks"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined()
        #expect(breadText.contains("amylase"))
        #expect(!breadText.contains("sourdough") && !breadText.contains("Sourdough"))
        #expect(try storedDocuments(folio, store: store).count == 3)

        // Move birds.pdf: recognized by content, not extracted again.
        let moved = root.appendingPathComponent("elsewhere/seabirds.pdf")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: library.appendingPathComponent("birds.pdf"), to: moved)
        let move = try json(try folio.run(["ingest", "--store", store, "--json", moved.path]).stdout)
        #expect(move["extracted"] as? Int == 0)
        #expect((move["documents"] as? [[String: Any]])?.first?["status"] as? String == "moved")
        let afterMove = try storedDocuments(folio, store: store)
        #expect(afterMove["seabirds.pdf"]?["path"] as? String == moved.path)
        #expect(afterMove["seabirds.pdf"]?["sha256"] as? String == before["birds.pdf"]?["sha256"] as? String)
        #expect(afterMove["birds.pdf"] == nil)

        // A copy elsewhere: stored once, the original stays.
        let copy = root.appendingPathComponent("copy-of-volcanoes.pdf")
        try FileManager.default.copyItem(at: library.appendingPathComponent("volcanoes.pdf"), to: copy)
        let copied = try json(try folio.run(["ingest", "--store", store, "--json", copy.path]).stdout)
        #expect(copied["extracted"] as? Int == 0)
        #expect((copied["documents"] as? [[String: Any]])?.first?["status"] as? String == "duplicate")
        #expect(try storedDocuments(folio, store: store)["volcanoes.pdf"] != nil)

        // Other chunk settings made the stored chunks: the same files are extracted again, replacing them.
        let rechunked = try json(try folio.run(["ingest", "--store", store, "--json", "--chunk-target", "40",
                                                library.appendingPathComponent("bread.pdf").path]).stdout)
        #expect(rechunked["extracted"] as? Int == 1)
        #expect((rechunked["documents"] as? [[String: Any]])?.first?["status"] as? String == "replaced")
        let same = try json(try folio.run(["ingest", "--store", store, "--json", "--chunk-target", "40",
                                           library.appendingPathComponent("bread.pdf").path]).stdout)
        #expect(same["extracted"] as? Int == 0)
        #expect(try storedDocuments(folio, store: store).count == 3)

        // Remove: the document and its chunks go, search no longer finds them.
        #expect(try folio.run(["remove", "--store", store, "seabirds.pdf"]).status == 0)
        let documents = try checkWholeDocuments(store: URL(fileURLWithPath: store))
        #expect(documents.map(\.fileName).sorted() == ["bread.pdf", "volcanoes.pdf"])
        let search = try json(try folio.run(["search", "--store", store, "--json", "arctic tern migration"]).stdout)
        #expect((search["results"] as? [[String: Any]])?.contains { ($0["document"] as? String) == "seabirds.pdf" } == false)
    }

    @Test("SIGKILL mid-corpus leaves a sound store of whole documents, readers work during the ingest, a rerun finishes")
    func killMidCorpus() throws {
        let folio = try FolioBinary()
        let root = try TestPaths.temporaryDirectory("folio-e2e-kill")
        defer { removeUnlessKept(root) }
        let corpus = root.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        let count = 12
        _ = try writeCorpus(count: count, in: corpus)
        let storeURL = root.appendingPathComponent("store")
        let store = storeURL.path

        func startIngest() throws -> Process {
            let process = Process()
            process.executableURL = folio.url
            process.arguments = ["ingest", "--store", store, corpus.path]
            var environment = ProcessInfo.processInfo.environment
            environment["FOLIO_MODEL"] = TestPaths.model.path
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        func storedCount() -> Int {
            guard FileManager.default.fileExists(atPath: storeURL.appendingPathComponent("folio.sqlite").path),
                  let opened = try? FolioStore(directory: storeURL, readOnly: true) else { return 0 }
            return (try? opened.documents().count) ?? 0
        }

        // First kill: at a random moment early in the run (model loading, extraction or the first write).
        let early = try startIngest()
        usleep(UInt32.random(in: 200_000...1_500_000))
        kill(early.processIdentifier, SIGKILL)
        early.waitUntilExit()
        #expect(early.terminationReason == .uncaughtSignal)
        if FileManager.default.fileExists(atPath: storeURL.appendingPathComponent("folio.sqlite").path) {
            _ = try checkWholeDocuments(store: storeURL)
        }

        // Second run: query while it writes, then kill it once some but not all documents are in.
        let ingest = try startIngest()
        var queries = 0
        let deadline = Date().addingTimeInterval(300)
        var seen = storedCount()
        let atStart = seen
        while ingest.isRunning && Date() < deadline {
            seen = storedCount()
            if seen >= atStart + 2 { break }
            if seen > 0 {
                let search = try folio.run(["search", "--store", store, "--json", "--k", "3", "glacier fjord landscape"])
                #expect(search.status == 0, "\(search.stderr)")
                _ = try checkWholeDocuments(store: storeURL)
                queries += 1
            }
            usleep(100_000)
        }
        kill(ingest.processIdentifier, SIGKILL)
        ingest.waitUntilExit()
        let survivors = try checkWholeDocuments(store: storeURL)
        #expect(survivors.count < count, "the kill came after the whole corpus was stored; the test proved nothing")
        #expect(queries > 0 || seen >= atStart + 2)

        // A rerun skips what was stored and finishes the rest.
        let rerun = try folio.run(["ingest", "--store", store, "--json", corpus.path])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try json(rerun.stdout)
        #expect(summary["unchanged"] as? Int == survivors.count)
        #expect(summary["ingested"] as? Int == count - survivors.count)
        #expect(try checkWholeDocuments(store: storeURL).count == count)
    }
}

extension FolioBinary {
    init(url: URL) { self.url = url }
}
