import FolioTestSupport
import Foundation
import Testing

/// Runs the built `folio` binary, as a user would.
struct FolioBinary {
    let url: URL

    init() throws {
        if let explicit = ProcessInfo.processInfo.environment["FOLIO_BIN"], !explicit.isEmpty {
            url = URL(fileURLWithPath: explicit)
        } else {
            // The test bundle sits next to the executables in .build/<config>/.
            let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                              TestPaths.repoRoot.appendingPathComponent(".build/debug")]
                .map { $0.appendingPathComponent("folio") }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw FolioTestFailure("folio binary not found (looked in \(candidates.map(\.path))); run `swift build` first")
            }
            url = found
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["FOLIO_MODEL"] = TestPaths.model.path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

struct FolioTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func json(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw FolioTestFailure("not a JSON object: \(text.prefix(200))")
    }
    return object
}

/// Three generated "papers" about different topics, each fact on a known page.
func writeLibrary(in directory: URL) throws {
    let filler = "This paragraph is general background material about research practice and careful writing. "
    try TestPDF.write(pages: [
        TestPDF.wrap(String(repeating: filler, count: 8)),
        TestPDF.wrap("The migration of arctic terns covers about seventy thousand kilometres every year. "
                     + "Terns follow an S-shaped route over the Atlantic to exploit prevailing winds. "
                     + String(repeating: filler, count: 5)),
        TestPDF.wrap(String(repeating: filler, count: 5)),
    ], to: directory.appendingPathComponent("birds.pdf"), title: "Seabird Migration", author: "A. Ornithologist")
    try TestPDF.write(pages: [
        TestPDF.wrap("Sourdough bread rises because wild yeast and lactic acid bacteria ferment the dough. "
                     + "A starter is fed with flour and water every day. " + String(repeating: filler, count: 5)),
        TestPDF.wrap(String(repeating: filler, count: 6)),
    ], to: directory.appendingPathComponent("bread.pdf"), title: "Notes on Baking")
    try TestPDF.write(pages: [
        TestPDF.wrap(String(repeating: filler, count: 4)),
        TestPDF.wrap(String(repeating: filler, count: 3)),
        TestPDF.wrap("Volcanic eruptions inject sulfur dioxide into the stratosphere, which cools the climate "
                     + "for one or two years after a large eruption."),
    ], to: directory.appendingPathComponent("volcanoes.pdf"))
}

@Suite("folio binary end to end", .serialized)
struct EndToEndTests {
    @Test("ingest → search --json puts the expected document and page first; ask cites it")
    func ingestSearchAsk() throws {
        let folio = try FolioBinary()
        let directory = try TestPaths.temporaryDirectory("folio-e2e")
        defer { removeUnlessKept(directory) }
        let library = directory.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        try writeLibrary(in: library)
        let store = directory.appendingPathComponent("store").path

        let ingest = try folio.run(["ingest", "--store", store, library.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("3 ingested, 0 unchanged, 0 failed"), "\(ingest.stdout)")

        let search = try folio.run(["search", "--store", store, "--json", "--k", "3", "How far do arctic terns migrate?"])
        #expect(search.status == 0, "\(search.stderr)")
        let object = try json(search.stdout)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(object["query"] as? String == "How far do arctic terns migrate?")
        let first = try #require(results.first)
        #expect(first["document"] as? String == "birds.pdf")
        #expect(first["pages"] as? [Int] == [2])
        #expect(first["title"] as? String == "Seabird Migration")
        #expect(first["rank"] as? Int == 1)
        #expect((first["chunk_id"] as? String)?.isEmpty == false)
        #expect((first["text"] as? String)?.contains("seventy thousand kilometres") == true)

        let volcano = try json(try folio.run(["search", "--store", store, "--json", "stratospheric sulfur cooling"]).stdout)
        let top = try #require((volcano["results"] as? [[String: Any]])?.first)
        #expect(top["document"] as? String == "volcanoes.pdf")
        #expect(top["title"] as? String == "volcanoes")  // no metadata title: the file name
        #expect(top["pages"] as? [Int] == [3])

        let ask = try folio.run(["ask", "--store", store, "--json", "What makes sourdough bread rise?"])
        #expect(ask.status == 0, "\(ask.stderr)")
        let answer = try json(ask.stdout)
        #expect(answer["abstained"] as? Bool == false)
        #expect((answer["answer"] as? String)?.contains("yeast") == true)
        #expect((answer["answer"] as? String)?.contains("[1]") == true)
        let citations = try #require(answer["citations"] as? [[String: Any]])
        #expect(citations.first?["document"] as? String == "bread.pdf")
        #expect(citations.first?["pages"] as? [Int] == [1])

        let human = try folio.run(["ask", "--store", store, "What makes sourdough bread rise?"])
        #expect(human.stdout.contains("[1] bread.pdf p.1 \"Notes on Baking\""), "\(human.stdout)")

        // Running again changes nothing; docs lists three documents.
        let again = try folio.run(["ingest", "--store", store, library.path])
        #expect(again.stdout.contains("0 ingested, 3 unchanged, 0 failed"), "\(again.stdout)")
        let docs = try json(try folio.run(["docs", "--store", store, "--json"]).stdout)
        #expect((docs["documents"] as? [[String: Any]])?.count == 3)

        // remove drops a document and its chunks from search.
        #expect(try folio.run(["remove", "--store", store, "birds.pdf"]).status == 0)
        let after = try json(try folio.run(["search", "--store", store, "--json", "arctic tern migration"]).stdout)
        #expect((after["results"] as? [[String: Any]])?.contains { $0["document"] as? String == "birds.pdf" } == false)
    }

    @Test("a bad file is named on stderr, exits non-zero, and the good ones are stored")
    func badFileInTheMix() throws {
        let folio = try FolioBinary()
        let directory = try TestPaths.temporaryDirectory("folio-e2e-bad")
        defer { removeUnlessKept(directory) }
        try writeLibrary(in: directory)
        let bad = directory.appendingPathComponent("broken.pdf")
        try "this is not a pdf".write(to: bad, atomically: true, encoding: .utf8)
        let store = directory.appendingPathComponent("store").path
        let result = try folio.run(["ingest", "--store", store, directory.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("broken.pdf: not a PDF"), "\(result.stderr)")
        #expect(result.stdout.contains("3 ingested, 0 unchanged, 1 failed"), "\(result.stdout)")
        let docs = try json(try folio.run(["docs", "--store", store, "--json"]).stdout)
        #expect((docs["documents"] as? [[String: Any]])?.count == 3)
    }

    @Test("clear errors: empty store, unknown document, missing model")
    func errors() throws {
        let folio = try FolioBinary()
        let directory = try TestPaths.temporaryDirectory("folio-e2e-err")
        defer { removeUnlessKept(directory) }
        let store = directory.appendingPathComponent("store").path
        let none = try folio.run(["search", "--store", store, "anything"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("folio ingest"), "\(none.stderr)")

        try writeLibrary(in: directory)
        let noModel = try folio.run(["ingest", "--store", store, "--model", directory.appendingPathComponent("nope").path,
                                     directory.path])
        #expect(noModel.status != 0)
        #expect(noModel.stderr.contains("Models/fetch"), "\(noModel.stderr)")

        #expect(try folio.run(["ingest", "--store", store, directory.path]).status == 0)
        let unknown = try folio.run(["search", "--store", store, "--doc", "nosuch.pdf", "bread"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("nosuch.pdf"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }
}

/// Removes a test folder unless `FOLIO_KEEP_TEST_FILES` is set (to look at what a failing test left).
func removeUnlessKept(_ directory: URL) {
    if ProcessInfo.processInfo.environment["FOLIO_KEEP_TEST_FILES"] != nil {
        FileHandle.standardError.write(Data("kept \(directory.path)\n".utf8))
        return
    }
    try? FileManager.default.removeItem(at: directory)
}
