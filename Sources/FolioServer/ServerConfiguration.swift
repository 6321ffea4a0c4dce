import FolioEngine
import FolioLLM
import Foundation

/// Everything `folio serve` decides before the server starts: where it listens, what it serves, its limits.
public struct ServerConfiguration: Sendable {
    /// The address to bind: loopback by default; any other needs `token`.
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed in the start-up line).
    public var port = 8080
    /// The store folder (`folio.sqlite`, uploads, rendered-page cache).
    public var storeDirectory: URL
    /// Resolves the model folder when the engine first needs it.
    public var modelDirectory: @Sendable () throws -> URL
    /// The OpenAI-compatible server generated answers come from (`"llm": true` in `/ask`); nil: extractive only.
    public var llm: ChatClient?
    /// The model's context window (tokens) for generated answers.
    public var llmContextTokens = 4096
    /// When set, every `/api` request needs `Authorization: Bearer <token>`.
    public var token: String?
    /// Host names accepted in `Host` besides the bound address and the loopback names (`--allow-host`).
    public var allowedHosts: [String] = []
    /// The folio binary, re-executed as `folio extract-worker` for each upload (nil: extraction in-process).
    public var workerExecutable: URL?
    /// Seconds a document's extraction may take.
    public var ingestTimeout = 120.0

    // Limits: every size a client controls is bounded.
    public var maxUploadBytes = 200 * 1024 * 1024
    public var maxJSONBytes = 64 * 1024
    public var maxQuestionCharacters = 2000
    public var maxK = 50
    public var maxQueuedJobs = 32
    /// A client must send a whole request head within this many seconds of connecting (or of its last response).
    public var headerTimeout: TimeInterval = 10
    /// A request body that sends nothing for this many seconds is cut off.
    public var bodyIdleTimeout: TimeInterval = 30
    /// An idle keep-alive connection is closed after this many seconds.
    public var idleTimeout: TimeInterval = 60
    /// Engines that answer queries side by side (each loads the model once); one per core by default.
    public var engines = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
    /// Where the request log goes (one line per request); stderr by default.
    public var log: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public init(storeDirectory: URL, modelDirectory: @escaping @Sendable () throws -> URL) {
        self.storeDirectory = storeDirectory
        self.modelDirectory = modelDirectory
    }

    /// True for addresses only this machine can reach.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }

    /// Why this configuration must not start, or nil.
    public var problem: String? {
        if !Self.isLoopback(host) && (token ?? "").isEmpty {
            return "binding \(host) exposes the store to the network: set a token with --token-env NAME (the name of an environment variable holding it), or bind 127.0.0.1"
        }
        if let token, !token.isEmpty, token.count < 16 {
            return "the token is too short (\(token.count) characters): use at least 16 random characters, e.g. `openssl rand -hex 32`"
        }
        if !(0...65535).contains(port) { return "--port must be between 0 and 65535" }
        if maxUploadBytes < 1024 { return "--max-upload-mb must be at least 1" }
        return nil
    }

    /// The folders Folio makes in the store: uploaded PDFs and the rendered-page cache.
    var uploadsDirectory: URL { storeDirectory.appendingPathComponent("uploads", isDirectory: true) }
    var pageCacheDirectory: URL { storeDirectory.appendingPathComponent("page-cache", isDirectory: true) }
}
