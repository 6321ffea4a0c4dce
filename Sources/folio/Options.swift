import ArgumentParser
import FolioEngine
import Foundation

/// Options every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Store folder (default: $FOLIO_STORE, else $XDG_DATA_HOME/folio, else ~/.local/share/folio).",
                                            valueName: "dir"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Model folder (default: $FOLIO_MODEL, else PREFIX/share/folio of an installed folio, else Models/all-MiniLM-L6-v2 of the checkout).",
                                            valueName: "dir"))
    var model: String?

    var storeDirectory: URL { FolioPaths.storeDirectory(explicit: store) }

    /// Opens the store; `readOnly` refuses to create one (for commands that only read).
    func open(readOnly: Bool = false) throws -> Folio {
        let model = self.model
        return try Folio(storeDirectory: storeDirectory, readOnly: readOnly,
                         modelDirectory: { try FolioPaths.modelDirectory(explicit: model) })
    }
}

/// Options of the commands that search the vector index.
struct IndexOptions: ParsableArguments {
    @Flag(help: "Score every chunk exactly (flat index) instead of searching the HNSW graph.")
    var exact = false

    @Option(help: ArgumentHelp("Use the HNSW graph from this many chunks on (default: $FOLIO_HNSW_THRESHOLD, else 50000).",
                               valueName: "chunks"))
    var hnswThreshold: Int?

    func validate() throws {
        if let hnswThreshold, hnswThreshold < 1 { throw ValidationError("--hnsw-threshold must be at least 1") }
    }

    func apply(to folio: Folio) {
        folio.indexPolicy.exact = exact
        if let hnswThreshold { folio.indexPolicy.hnswThreshold = hnswThreshold }
    }
}

/// Writes diagnostics to standard error, so standard output stays clean for `--json`.
enum Console {
    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("folio: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// A progress line that rewrites itself on a terminal; nothing otherwise.
    static func progress(_ message: String) {
        guard isTerminal else { return }
        let width = 100
        let line = message.count > width ? String(message.prefix(width - 1)) + "…" : message
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    static func clearProgress() {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func printJSON(_ object: Any) {
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        } catch {
            Console.error("could not encode JSON output: \(error)")
        }
    }
}

/// Runs a command body, turning Folio's errors into one line on stderr and a non-zero exit.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Console.error("\(error)")
        throw ExitCode.failure
    }
}

/// Formats a page span: `p.3` or `p.3-4`.
func pageLabel(_ start: Int, _ end: Int) -> String {
    start == end ? "p.\(start)" : "p.\(start)-\(end)"
}
