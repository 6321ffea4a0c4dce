import FolioStore
import Foundation
import GRDB
import Testing

@Suite("SQLite store: conversations")
struct ConversationStoreTests {
    @Test("turns are appended in order, bounded to the last ones, kept after reopening, listed and deleted")
    func keptBoundedListedDeleted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-conversations-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let store = try FolioStore(directory: directory)
            for n in 1...7 { try store.appendConversationTurn("paper", turn: Data("{\"n\":\(n)}".utf8), keep: 5) }
            try store.appendConversationTurn("other", turn: Data("{\"n\":1}".utf8), keep: 5)
        }
        // A new store object on the same folder (a restart) sees the same turns.
        let store = try FolioStore(directory: directory)
        let turns = try store.conversationTurns("paper").map { String(decoding: $0, as: UTF8.self) }
        #expect(turns == (3...7).map { "{\"n\":\($0)}" })
        let listed = try store.conversations()
        #expect(listed.map(\.name) == ["other", "paper"] || listed.map(\.name) == ["paper", "other"])
        #expect(listed.first { $0.name == "paper" }?.turns == 5)
        #expect(try store.conversationTurns("nobody").isEmpty)
        #expect(try store.deleteConversation("paper"))
        #expect(try store.deleteConversation("paper") == false)
        #expect(try store.conversationTurns("paper").isEmpty)
        #expect(try store.conversations().map(\.name) == ["other"])
        // The migration is recorded under its name.
        let url = directory.appendingPathComponent("folio.sqlite")
        let queue = try DatabaseQueue(path: url.path)
        let applied = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("conversations"))
    }
}
