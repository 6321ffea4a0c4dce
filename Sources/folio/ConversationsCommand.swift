import ArgumentParser
import FolioEngine
import Foundation

struct ConversationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversations",
        abstract: "List, show or delete the conversations kept in the store.",
        discussion: """
            `folio ask --conversation NAME` (and the server's `conversation` field) keep a conversation's last \
            \(Conversation.keptTurns) turns in the store: each question, how it was read, its answer and the chunks \
            it cites.

            Examples:
              folio conversations
              folio conversations --show paper
              folio conversations --delete paper
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Print this conversation's turns.", valueName: "name"))
    var show: String?

    @Option(help: ArgumentHelp("Remove this conversation.", valueName: "name"))
    var delete: String?

    @Flag(help: "Print JSON on stdout.")
    var json = false

    func validate() throws {
        if show != nil && delete != nil { throw ValidationError("give --show or --delete, not both") }
        if let name = show ?? delete { try Self.validateName(name) }
    }

    /// A conversation name: 1 to 128 characters, no control characters.
    static func validateName(_ name: String) throws {
        guard (1...128).contains(name.count), !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }),
              !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("a conversation name has 1 to 128 characters and no control characters")
        }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            let formatter = ISO8601DateFormatter()
            if let name = delete {
                guard try folio.deleteConversation(name) else {
                    throw ValidationError("no conversation named \(name); `folio conversations` lists them")
                }
                if json { Console.printJSON(["deleted": name]) } else { print("Deleted conversation \(name).") }
                return
            }
            if let name = show {
                let conversation = try folio.conversation(named: name)
                guard !conversation.turns.isEmpty else {
                    throw ValidationError("no conversation named \(name); `folio conversations` lists them")
                }
                if json {
                    Console.printJSON(["conversation": name, "turns": conversation.turns.map { turn -> [String: Any] in
                        ["question": turn.question, "read_as": turn.readAs, "reading": turn.reading,
                         "document": turn.document ?? NSNull(), "terms": turn.terms, "answer": turn.answer,
                         "abstained": turn.abstained, "chunk_ids": turn.chunkIDs,
                         "asked_at": formatter.string(from: turn.askedAt)]
                    }])
                    return
                }
                for (index, turn) in conversation.turns.enumerated() {
                    print("[\(index + 1)] \(turn.question)")
                    if turn.readAs != turn.question { print("    Read as: \(turn.readAs)") }
                    print("    " + snippet(turn.answer, limit: 300))
                    if !turn.chunkIDs.isEmpty { print("    cites \(turn.chunkIDs.joined(separator: ", "))") }
                }
                return
            }
            let conversations = try folio.conversations()
            if json {
                Console.printJSON(["conversations": conversations.map { c -> [String: Any] in
                    ["name": c.name, "turns": c.turns, "created_at": formatter.string(from: c.createdAt),
                     "updated_at": formatter.string(from: c.updatedAt)]
                }])
                return
            }
            if conversations.isEmpty {
                print("No conversations yet; start one with `folio ask --conversation NAME \"…\"`.")
                return
            }
            let width = min(conversations.map(\.name.count).max() ?? 10, 40)
            for c in conversations {
                let name = c.name.padding(toLength: max(width, c.name.count), withPad: " ", startingAt: 0)
                print("\(name)  \(String(format: "%3d", c.turns)) turns  last \(formatter.string(from: c.updatedAt))")
            }
        }
    }
}
