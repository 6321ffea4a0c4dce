import FolioTestSupport
import Foundation
import Testing

@Suite("deploy/: the systemd unit")
struct DeployTests {
    @Test("deploy/folio.service passes systemd-analyze verify and keeps its hardening")
    func unitVerifies() throws {
        let unit = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("deploy/folio.service"), encoding: .utf8)
        for setting in ["NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "StateDirectory=folio",
                        "DynamicUser=yes", "EnvironmentFile=", "--token-env FOLIO_TOKEN", "--host 127.0.0.1"] {
            #expect(unit.contains(setting), "the unit lost \(setting)")
        }
        // Verified with ExecStart pointing at the folio just built (the unit names the installed path).
        let folder = try TestPaths.temporaryDirectory("folio-unit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let built = try LiveServer.binary().path
        let local = unit.replacingOccurrences(of: "/usr/local/bin/folio", with: built)
        let file = folder.appendingPathComponent("folio.service")
        try local.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", file.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = err
        try process.run()
        let output = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(!output.contains("folio.service:"), "\(output)")
    }
}
