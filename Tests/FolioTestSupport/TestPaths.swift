import Foundation

/// Where the tests find the checkout, the golden files, the model and the shared corpus.
public enum TestPaths {
    /// The repository root (the folder holding `Package.swift`).
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `Tests/Fixtures`: golden files from the reference implementation.
    public static var fixtures: URL { repoRoot.appendingPathComponent("Tests/Fixtures") }

    /// The model folder: `$FOLIO_MODEL`, else `Models/all-MiniLM-L6-v2` in the checkout.
    public static var model: URL {
        if let env = ProcessInfo.processInfo.environment["FOLIO_MODEL"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.appendingPathComponent("Models/all-MiniLM-L6-v2")
    }

    /// The reading-list corpus: `Corpus/` when fetched, else `../shared/corpus`; nil when neither has PDFs.
    public static var corpus: URL? {
        for candidate in [repoRoot.appendingPathComponent("Corpus"),
                          repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: candidate.path)) ?? []
            if files.contains(where: { $0.hasSuffix(".pdf") }) { return candidate }
        }
        return nil
    }

    /// The dev questions (`../shared/eval/dev.jsonl`), when present.
    public static var devQuestions: URL? {
        let url = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/eval/dev.jsonl")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory(_ name: String = "folio-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
