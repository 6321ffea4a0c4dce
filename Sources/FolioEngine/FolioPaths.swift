import Foundation

/// Where Folio keeps its store and finds its model.
public enum FolioPaths {
    /// The store folder: `explicit`, else `$FOLIO_STORE`, else `$XDG_DATA_HOME/folio`, else `~/.local/share/folio`.
    public static func storeDirectory(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit).standardizedFileURL }
        if let env = environment["FOLIO_STORE"], !env.isEmpty { return URL(fileURLWithPath: env).standardizedFileURL }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("folio")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/folio")
    }

    static let modelFolder = "Models/all-MiniLM-L6-v2"

    /// The model folder: `explicit`, else `$FOLIO_MODEL`, else `Models/all-MiniLM-L6-v2` of the checkout the
    /// executable was built in (or the current directory's).
    /// - Throws: `FolioEngineError.modelNotFound` listing where it looked.
    public static func modelDirectory(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var candidates: [URL] = []
        if let explicit, !explicit.isEmpty {
            candidates = [URL(fileURLWithPath: explicit)]
        } else if let env = environment["FOLIO_MODEL"], !env.isEmpty {
            candidates = [URL(fileURLWithPath: env)]
        } else {
            var roots: [URL] = []
            // The running binary (argv[0] is a bare `folio` when it was found on PATH).
            let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments.first ?? ""
            let executable = URL(fileURLWithPath: running).resolvingSymlinksInPath()
            // An installed folio (`scripts/install`): PREFIX/bin/folio finds PREFIX/share/folio/all-MiniLM-L6-v2.
            candidates.append(executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/folio").appendingPathComponent(URL(fileURLWithPath: modelFolder).lastPathComponent))
            var dir = executable.deletingLastPathComponent()
            for _ in 0..<6 {
                roots.append(dir)
                dir.deleteLastPathComponent()
            }
            roots.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            var seen = Set<String>()
            for root in roots where seen.insert(root.path).inserted {
                candidates.append(root.appendingPathComponent(modelFolder))
            }
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("model.safetensors").path) {
            return candidate.standardizedFileURL
        }
        throw FolioEngineError.modelNotFound(searched: candidates.prefix(3).map(\.path))
    }
}
