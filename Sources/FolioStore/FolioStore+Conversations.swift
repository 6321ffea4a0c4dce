import Foundation
import GRDB

/// A stored conversation's summary, for `folio conversations`.
public struct ConversationRecord: Sendable, Equatable {
    public var name: String
    public var turns: Int
    public var createdAt: Date
    public var updatedAt: Date
}

extension FolioStore {
    /// The turns of conversation `name`, oldest first, each as the JSON the engine stored; empty when there is no
    /// such conversation.
    public func conversationTurns(_ name: String) throws -> [Data] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT turn FROM conversation_turns WHERE conversation = ? ORDER BY ordinal",
                             arguments: [name]).map { row in Data((row["turn"] as String).utf8) }
        }
    }

    /// Appends a turn (JSON made by the engine) to conversation `name`, creating it when new, and keeps only its
    /// last `keep` turns. One transaction, so two processes appending at once both land, in order.
    public func appendConversationTurn(_ name: String, turn: Data, keep: Int) throws {
        precondition(keep >= 1, "a conversation keeps at least one turn")
        let now = Date().timeIntervalSince1970
        let text = String(decoding: turn, as: UTF8.self)
        try write { db in
            try db.execute(sql: """
                INSERT INTO conversations (name, created_at, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at
                """, arguments: [name, now, now])
            let last = try Int.fetchOne(db, sql: "SELECT MAX(ordinal) FROM conversation_turns WHERE conversation = ?",
                                        arguments: [name]) ?? 0
            try db.execute(sql: "INSERT INTO conversation_turns (conversation, ordinal, turn, asked_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, last + 1, text, now])
            try db.execute(sql: "DELETE FROM conversation_turns WHERE conversation = ? AND ordinal <= ?",
                           arguments: [name, last + 1 - keep])
        }
    }

    /// Every stored conversation, the most recently continued first.
    public func conversations() throws -> [ConversationRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.name, c.created_at, c.updated_at, COUNT(t.id) AS turns FROM conversations c
                LEFT JOIN conversation_turns t ON t.conversation = c.name
                GROUP BY c.name ORDER BY c.updated_at DESC, c.name
                """).map { row in
                ConversationRecord(name: row["name"], turns: row["turns"],
                                   createdAt: Date(timeIntervalSince1970: row["created_at"]),
                                   updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
            }
        }
    }

    /// Removes conversation `name` and its turns.
    /// - Returns: whether there was one.
    @discardableResult
    public func deleteConversation(_ name: String) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM conversation_turns WHERE conversation = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM conversations WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}
