import FolioEngine
import Foundation

/// Lends the server's `Folio` engines to requests, each to one request at a time.
///
/// A `Folio` is not thread-safe (it caches its encoder, retriever and index), so concurrency comes from having
/// several: a request checks one out, runs on it, and gives it back; a request that finds none idle waits its
/// turn. The blocking work (embedding, SQLite, index search) runs on `BlockingWork`'s threads, off Swift's
/// cooperative pool, so a long query never stalls the server's event handling.
actor EnginePool {
    private var idle: [Folio]
    private var waiting: [CheckedContinuation<Folio, Never>] = []
    let size: Int

    init(engines: [Folio]) {
        precondition(!engines.isEmpty, "the pool needs at least one engine")
        idle = engines
        size = engines.count
    }

    private func checkOut() async -> Folio {
        if let folio = idle.popLast() { return folio }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func checkIn(_ folio: Folio) {
        if waiting.isEmpty {
            idle.append(folio)
        } else {
            waiting.removeFirst().resume(returning: folio)
        }
    }

    /// Runs `body` on an engine of its own, on a blocking-work thread.
    nonisolated func run<T: Sendable>(_ body: @escaping @Sendable (Folio) throws -> T) async throws -> T {
        let folio = await checkOut()
        do {
            let result = try await BlockingWork.run { try body(folio) }
            await checkIn(folio)
            return result
        } catch {
            await checkIn(folio)
            throw error
        }
    }

    /// Runs `body` once on every engine (to load the model and index before the first request).
    nonisolated func warmUp(_ body: @escaping @Sendable (Folio) throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<size {
                group.addTask { _ = try? await self.run(body) }
            }
        }
    }
}

/// Threads for synchronous engine work, so it never occupies Swift's cooperative threads.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "folio.server.engine", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
