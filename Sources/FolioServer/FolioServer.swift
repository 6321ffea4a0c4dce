import FolioEngine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `folio serve`: the engine over HTTP (the API under `/api/v1`, the web app at `/`).
public enum FolioServer {
    /// The application the server runs, and the ingest queue that runs beside it.
    struct Built {
        var application: any Service
        var queue: IngestQueue
        var pool: EnginePool
    }

    /// Builds the application: engines, ingest queue, middleware (one per security rule) and routes.
    /// - Parameter onRunning: called with the bound host and port once the server accepts connections.
    static func buildApplication(_ configuration: ServerConfiguration, version: String,
                                 onRunning: @escaping @Sendable (String, Int) async -> Void) throws -> Built {
        if let problem = configuration.problem { throw ServerError.configuration(problem) }
        let model = configuration.modelDirectory
        func engine(readOnly: Bool) throws -> Folio {
            try Folio(storeDirectory: configuration.storeDirectory, readOnly: readOnly, modelDirectory: model)
        }
        let ingestEngine = try engine(readOnly: false)  // creates the store when it is new
        // Concurrency comes from the pool's engines (one request each), so each embeds on one thread: splitting a
        // question's few sentences over both cores while another request does the same only adds hand-offs.
        let pool = EnginePool(engines: try (0..<configuration.engines).map { _ in
            let folio = try engine(readOnly: false)
            if configuration.engines > 1 { folio.encoderThreads = 1 }
            return folio
        })
        let catalog = EnginePool(engines: [try engine(readOnly: false)])
        try FileManager.default.createDirectory(at: configuration.uploadsDirectory, withIntermediateDirectories: true)
        var options = IngestOptions(timeout: configuration.ingestTimeout, workerExecutable: configuration.workerExecutable)
        options.jobs = 1  // one document per job; the encoder still uses every core
        let queue = IngestQueue(engine: ingestEngine, options: options, maxQueued: configuration.maxQueuedJobs,
                                uploadsDirectory: configuration.uploadsDirectory)
        let state = ServerState(configuration: configuration, pool: pool, queue: queue, catalog: catalog, version: version)

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLogMiddleware(log: configuration.log))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: HostCheckMiddleware(boundHost: configuration.host, allowedHosts: configuration.allowedHosts))
        router.add(middleware: OriginCheckMiddleware())
        if let token = configuration.token, !token.isEmpty {
            router.add(middleware: BearerTokenMiddleware(token: token))
        }
        let api = router.group("api/v1")
        HealthController(state: state).addRoutes(to: api)
        DocumentsController(state: state).addRoutes(to: api)
        JobsController(state: state).addRoutes(to: api)
        QueryController(state: state).addRoutes(to: api)
        ChunksController(state: state).addRoutes(to: api)
        PagesController(state: state).addRoutes(to: api)
        OpenAPIController().addRoutes(to: api)
        WebController().addRoutes(to: router)

        let headerTimeout = TimeAmount.milliseconds(Int64(configuration.headerTimeout * 1000))
        let bodyTimeout = TimeAmount.milliseconds(Int64(configuration.bodyIdleTimeout * 1000))
        var logger = Logger(label: "folio.serve")
        logger.logLevel = .warning
        let application = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout, bodyIdleTimeout: bodyTimeout)],
                idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                await onRunning(configuration.host, channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
        return Built(application: application, queue: queue, pool: pool)
    }

    /// Runs the server until SIGINT or SIGTERM, then drains: the current document's ingest finishes (its
    /// transaction commits whole or not at all), in-flight requests finish, and it returns.
    /// - Parameter announce: called once with the start-up line's URL, `http://HOST:PORT/`.
    public static func run(_ configuration: ServerConfiguration, version: String,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        let built = try buildApplication(configuration, version: version) { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            announce("http://\(shown):\(port)/")
        }
        built.queue.requeueUnstored()
        // Load the model and the index in every engine now, not on the first question.
        Task { await built.pool.warmUp { folio in _ = try folio.search("warm up", k: 1, documentIDs: nil) } }
        var logger = Logger(label: "folio.serve")
        logger.logLevel = .warning
        // The queue is listed last so it is told to stop first: it finishes its document while the server still
        // answers; then the server drains.
        let group = ServiceGroup(configuration: .init(
            services: [built.application, built.queue],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Why the server cannot start.
public enum ServerError: Error, CustomStringConvertible {
    case configuration(String)

    public var description: String {
        switch self {
        case .configuration(let message): return message
        }
    }
}
