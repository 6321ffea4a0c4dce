import ArgumentParser
import FolioEngine
import FolioServer
import Foundation

/// `folio serve`: the HTTP API and the web app over one store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over HTTP: the web app at / and the JSON API under /api/v1.",
        discussion: """
            Open the printed URL in a browser to drop PDFs, ask questions and see each cited sentence highlighted \
            on its page. The API is described in docs/http-api.md and at /api/v1/openapi.json.

            Binds 127.0.0.1 unless --host says otherwise; any other address needs a token (--token-env NAME names \
            the environment variable that holds it), which every /api request must then send as \
            `Authorization: Bearer <token>`. Uploads go into the store's uploads/ folder and are ingested one at a \
            time, exactly as `folio ingest` does. SIGINT or SIGTERM finishes the document being ingested and the \
            requests in flight, then exits 0.

            Examples:
              folio serve
              folio serve --port 0 --store ~/papers-store
              FOLIO_TOKEN=$(openssl rand -hex 32) folio serve --host 0.0.0.0 --token-env FOLIO_TOKEN
              folio serve --llm http://127.0.0.1:11434
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The address to listen on (anything but loopback needs --token-env).")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one and prints it).")
    var port = 8080

    @Option(name: .customLong("token-env"), help: ArgumentHelp(
        "Require this bearer token, read from the environment variable NAME (never from the command line).",
        valueName: "NAME"))
    var tokenEnvironmentVariable: String?

    @Option(name: .customLong("allow-host"), help: ArgumentHelp(
        "Also accept requests whose Host is this name (a reverse proxy's public name); repeatable.", valueName: "name"))
    var allowedHosts: [String] = []

    @Option(name: .customLong("max-upload-mb"), help: ArgumentHelp("The largest upload accepted, in MB.", valueName: "MB"))
    var maxUploadMB = 200

    @Option(help: ArgumentHelp("Seconds one document's extraction may take.", valueName: "seconds"))
    var timeout: Double = 120

    @Option(help: ArgumentHelp("Engines answering side by side (each holds the model; default: one per core, at most 4).",
                               valueName: "n"))
    var engines: Int?

    @Option(name: .customLong("header-timeout"), help: ArgumentHelp(
        "Seconds a client has to send a request's headers (slow clients are cut off).", valueName: "seconds"))
    var headerTimeout: Double = 10

    @Option(name: .customLong("body-timeout"), help: ArgumentHelp(
        "Seconds an upload may pause before it is cut off.", valueName: "seconds"))
    var bodyTimeout: Double = 30

    @Option(name: .customLong("max-queued"), help: ArgumentHelp("Uploads that may wait to be ingested (more get 429).",
                                                                valueName: "n"))
    var maxQueued = 32

    @OptionGroup(title: "Generated answers") var llmOptions: LLMOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...100_000).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be between 1 and 100000") }
        if let engines, !(1...16).contains(engines) { throw ValidationError("--engines must be between 1 and 16") }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        guard headerTimeout > 0 && headerTimeout <= 600 else { throw ValidationError("--header-timeout must be between 0 and 600 seconds") }
        guard bodyTimeout > 0 && bodyTimeout <= 3600 else { throw ValidationError("--body-timeout must be between 0 and 3600 seconds") }
        guard (1...10_000).contains(maxQueued) else { throw ValidationError("--max-queued must be between 1 and 10000") }
        if let name = tokenEnvironmentVariable, name.isEmpty || name.contains("=") {
            throw ValidationError("--token-env takes the name of an environment variable (e.g. FOLIO_TOKEN), not the token")
        }
    }

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            let model = storeOptions.model
            configuration = ServerConfiguration(storeDirectory: storeOptions.storeDirectory,
                                                modelDirectory: { try FolioPaths.modelDirectory(explicit: model) })
            configuration.host = host
            configuration.port = port
            configuration.allowedHosts = allowedHosts
            configuration.maxUploadBytes = maxUploadMB * 1024 * 1024
            configuration.ingestTimeout = timeout
            configuration.headerTimeout = headerTimeout
            configuration.bodyIdleTimeout = bodyTimeout
            configuration.maxQueuedJobs = maxQueued
            configuration.workerExecutable = IngestCommand.workerExecutable
            if let engines { configuration.engines = engines }
            if let name = tokenEnvironmentVariable {
                guard let token = ProcessInfo.processInfo.environment[name], !token.isEmpty else {
                    throw ValidationError("--token-env \(name): the environment variable \(name) is not set")
                }
                configuration.token = token
            }
            configuration.llm = try llmOptions.client()
            configuration.llmContextTokens = llmOptions.contextTokens
            // The model must be there before the server says it is serving.
            _ = try configuration.modelDirectory()
        } catch let error as ValidationError {
            throw error
        } catch {
            Console.error("\(error)")
            throw ExitCode.failure
        }
        let store = configuration.storeDirectory.path
        do {
            try await FolioServer.run(configuration, version: FolioCommand.configuration.version) { url in
                FileHandle.standardError.write(Data("Folio is serving \(store) at \(url)\n".utf8))
            }
        } catch {
            Console.error("serve: \(error)")
            throw ExitCode.failure
        }
    }
}
