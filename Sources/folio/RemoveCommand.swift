import ArgumentParser
import FolioEngine
import Foundation

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove documents (and their chunks) from the store; the PDF files are not touched.",
        discussion: """
            Examples:
              folio remove bert.pdf
              folio remove ~/papers/old-draft.pdf
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("File names (as `folio docs` lists them) or paths.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one document to remove") }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            for document in try folio.remove(files) {
                print("removed \(document.fileName) (\(document.chunkCount) chunks)")
            }
        }
    }
}
