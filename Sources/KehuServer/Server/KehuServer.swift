import Hummingbird
import Logging
import ServiceLifecycle

/// The Kehu HTTP server: Segment-compatible ingestion, the query API, `/openapi.json` and the
/// start of the dashboard.
public enum KehuServer {
    /// The router with every route; `/health` and the dashboard's sign-in are the only ones that
/// need no key (dashboard pages need the session a key signs in to).
    public static func router(registry: WorkspaceRegistry, limits: ServerLimits = .default) -> Router<KehuRequestContext> {
        let router = Router(context: KehuRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        let authenticator = Authenticator(registry: registry)
        router.get("/health") { _, _ in
            Response.json(JSONValue.object(["status": .s("ok")]).serialized())
        }
        router.get("/openapi.json") { request, context in
            _ = try await authenticator.authorize(request, context: context, need: .read)
            return Response.json(OpenAPIDocument.build().serialized())
        }
        IngestionRoutes(authenticator: authenticator, limits: limits).register(on: router)
        QueryRoutes(authenticator: authenticator).register(on: router)
        MemberRoutes(authenticator: authenticator).register(on: router)
        DashboardRoutes(authenticator: authenticator).register(on: router)
        return router
    }

    /// The application: the HTTP server and, when `flushInterval` is given, the inbox flusher, in
    /// one service group. `runService()` stops gracefully on SIGTERM and SIGINT: the server stops
    /// first, then the flusher moves what is left in the inbox.
    public static func application(
        configuration: ServerConfiguration, logger: Logger
    ) -> some ApplicationProtocol {
        let registry = WorkspaceRegistry(dataDirectory: configuration.dataDirectory)
        let flusher = InboxFlushService(registry: registry, interval: configuration.flushInterval, logger: logger)
        var app = Application(
            router: router(registry: registry, limits: configuration.limits),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kehu"),
            services: [flusher],
            logger: logger)
        // What a previous run left in the inbox (e.g. killed before its final flush), before any
        // new request is acknowledged.
        app.beforeServerStarts { await flusher.flush(registry.all()) }
        return app
    }
}
