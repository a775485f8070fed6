import Hummingbird
import NIOCore
import Logging
import ServiceLifecycle

/// The Kehu HTTP server: Segment-compatible ingestion, the query API, `/openapi.json` and the
/// dashboard.
public enum KehuServer {
    /// The router with every route; `/health` and the dashboard's sign-in are the only ones that
/// need no key (dashboard pages need the session a key signs in to).
    /// `signInLinks` mints the dashboard's single-use sign-in links for the process that runs it.
    public static func router(
        registry: WorkspaceRegistry, limits: ServerLimits = .default, signInLinks: SignInLinks = SignInLinks()
    ) -> Router<KehuRequestContext> {
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
        PlanningRoutes(authenticator: authenticator).register(on: router)
        MemberRoutes(authenticator: authenticator).register(on: router)
        ActivationRoutes(authenticator: authenticator).register(on: router)
        DashboardRoutes(authenticator: authenticator, links: signInLinks).register(on: router)
        return router
    }

    /// The application: the HTTP server and, when `flushInterval` is given, the inbox flusher, in
    /// one service group. `runService()` stops gracefully on SIGTERM and SIGINT: the server stops
    /// first, then the flusher moves what is left in the inbox.
    /// `onServerRunning` is called with the port the server listens on once it accepts requests
    /// (port 0 in the configuration picks a free one).
    public static func application(
        configuration: ServerConfiguration, logger: Logger, signInLinks: SignInLinks = SignInLinks(),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let registry = WorkspaceRegistry(dataDirectory: configuration.dataDirectory)
        let flusher = InboxFlushService(registry: registry, interval: configuration.flushInterval, logger: logger)
        var app = Application(
            router: router(registry: registry, limits: configuration.limits, signInLinks: signInLinks),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kehu"),
            services: [flusher],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        // What a previous run left in the inbox (e.g. killed before its final flush), before any
        // new request is acknowledged.
        app.beforeServerStarts { await flusher.flush(registry.all()) }
        return app
    }
}
