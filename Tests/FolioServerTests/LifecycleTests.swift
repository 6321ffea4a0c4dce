import FolioTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("folio serve: start-up, request log and shutdown", .serialized)
struct LifecycleTests {
    @Test("SIGTERM during an upload's ingest: exit 0, whole documents only, the store intact, the upload kept")
    func sigtermDuringIngest() throws {
        let folder = try TestPaths.temporaryDirectory("folio-serve-sigterm")
        let server = try LiveServer()
        // A long document, so the signal lands while it is being ingested.
        let pages = (0..<60).map { page in (0..<40).map { TestPDF.distinctSentence(page * 40 + $0) } }
        let pdf = folder.appendingPathComponent("long.pdf")
        try TestPDF.write(pages: pages, to: pdf)
        let second = folder.appendingPathComponent("second.pdf")
        try TestPDF.write(pages: [["The Kestrel bridge spans two hundred metres."]], to: second)
        let reply = try server.upload([("long.pdf", try Data(contentsOf: pdf)), ("second.pdf", try Data(contentsOf: second))])
        #expect(reply.status == 202)
        let jobs = (try reply.object()["files"] as? [[String: Any]] ?? []).compactMap { ($0["job"] as? [String: Any])?["id"] as? String }
        // Wait until its pages are being extracted: the job reports them one by one ("extracting page n of 60").
        let deadline = Date().addingTimeInterval(120)
        var progress: [String: Any] = [:]
        while Date() < deadline {
            progress = try server.request("GET", "/api/v1/jobs/\(jobs[0])").object()
            if progress["state"] as? String != "queued", (progress["pages_done"] as? Int ?? 0) > 0 { break }
            usleep(20_000)
        }
        #expect(progress["pages_total"] as? Int == 60, "\(progress)")
        #expect((1...60).contains(progress["pages_done"] as? Int ?? 0), "\(progress)")
        // Then its chunks as they are embedded ("embedding n of N chunks").
        var embedding: [String: Any] = [:]
        while Date() < deadline {
            embedding = try server.request("GET", "/api/v1/jobs/\(jobs[0])").object()
            if embedding["state"] as? String == "embedding", (embedding["chunks_done"] as? Int ?? 0) > 0 { break }
            if embedding["state"] as? String == "done" { break }
            usleep(20_000)
        }
        if embedding["state"] as? String == "embedding" {
            let total = embedding["chunks_total"] as? Int ?? 0
            #expect(total > 0 && (embedding["chunks_done"] as? Int ?? 0) <= total, "\(embedding)")
        }
        let status = server.stop(signal: SIGTERM, timeout: 240)
        #expect(status == 0, "exit status \(String(describing: status)); log: \(server.log)")
        #expect(server.log.contains("POST /api/v1/documents 202"))
        // The store is whole: integrity check passes and each document has all its chunks.
        let check = try runCLI(["docs", "--json", "--store", server.store.path])
        #expect(check.status == 0, "\(check.stderr)")
        let documents = (try JSONSerialization.jsonObject(with: check.stdout) as? [[String: Any]]) ?? []
        let chunks = try runCLI(["chunks", "--json", "--store", server.store.path])
        let chunkList = ((try? JSONSerialization.jsonObject(with: chunks.stdout) as? [String: Any])?["chunks"] as? [[String: Any]]) ?? []
        for document in documents {
            let name = document["document"] as? String ?? ""
            let count = document["chunks"] as? Int ?? -1
            #expect(chunkList.filter { ($0["document"] as? String) == name }.count == count, "\(document)")
        }
        let integrity = try runSQLiteIntegrityCheck(server.store.appendingPathComponent("folio.sqlite"))
        #expect(integrity == "ok")
        // What was not stored is queued again by the next start, so no upload is lost.
        let again = try LiveServer(store: server.store)
        defer { again.stop() }
        let waitUntil = Date().addingTimeInterval(300)
        var files: Set<String> = []
        while Date() < waitUntil {
            files = Set(try again.request("GET", "/api/v1/documents").array().compactMap { $0["file"] as? String })
            if files.isSuperset(of: ["long.pdf", "second.pdf"]) { break }
            usleep(200_000)
        }
        #expect(files.isSuperset(of: ["long.pdf", "second.pdf"]))
    }

    @Test("one log line per request: method, path, status, milliseconds; no query string")
    func requestLog() throws {
        let server = try LiveServer()
        defer { server.stop() }
        _ = try server.request("GET", "/api/v1/health")
        _ = try server.request("GET", "/api/v1/search?q=private%20question")
        usleep(200_000)
        let lines = server.log.split(separator: "\n")
        #expect(lines.contains { $0.range(of: #"^GET /api/v1/health 200 [0-9.]+ ms$"#, options: .regularExpression) != nil })
        #expect(lines.contains { $0.hasPrefix("GET /api/v1/search 409 ") })  // an empty store
        #expect(!server.log.contains("private"))
        #expect(server.stop(signal: SIGINT) == 0)
    }
}

func runCLI(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
    let process = Process()
    process.executableURL = try LiveServer.binary()
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["FOLIO_MODEL"] = TestPaths.model.path
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
}

/// `PRAGMA integrity_check` through Python's sqlite3 (a second SQLite, not Folio's own code).
func runSQLiteIntegrityCheck(_ database: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", database.path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
