public import CapstanCore
import Foundation
public import Hummingbird
public import Logging

/// Capstan's HTTP API: the read side of the store (apps, deployments, stage logs, events), `/healthz`, and
/// the commands (sync, rollback, cancel, approve, skip-stage) it forwards to the engine, behind bearer
/// tokens with roles when it has an ``AuthConfiguration``.
///
/// `capstan serve` mounts it as one service of its `ServiceGroup`:
/// ```swift
/// let api = CapstanAPI.application(store: store, host: "127.0.0.1", port: 8080, commands: controller)
/// let group = ServiceGroup(services: [api], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// ```
public enum CapstanAPI {
    /// A readiness check for `/healthz`: returns when healthy, throws (its description is shown) when not.
    public typealias HealthCheck = @Sendable () async throws -> Void

    /// The routes and the methods each answers; anything else on these paths is a 405.
    static let routes: [(path: PathTemplate, methods: [HTTPRequest.Method])] = [
        "/healthz", "/api/v1/apps", "/api/v1/apps/{name}", "/api/v1/apps/{name}/diff",
        "/api/v1/deployments", "/api/v1/deployments/{id}", "/api/v1/deployments/{id}/stages/{index}/logs",
        "/api/v1/events", eventStreamPath, OpenAPIDocument.path, "/metrics",
    ].map { (PathTemplate($0), [.get, .head]) } + commandPaths.map { (PathTemplate($0), [.post]) } + Webhooks.routes

    /// A router serving the API from `store`, forwarding commands to `commands`.
    ///
    /// - Parameters:
    ///   - health: the check behind `/healthz`; nil asks the store for its last event sequence.
    ///   - commands: carries out rollback, cancel, approve and skip-stage; nil answers them with a 503.
    ///   - syncCommands: carries out sync; nil answers it with a 503.
    ///   - auth: the tokens and roles; nil: reads open, commands only from this machine.
    ///   - webhooks: the secrets `POST /webhooks/{provider}` checks (docs/webhooks.md); nil: every delivery is a 401.
    public static func router(store: any DeploymentStore, health: HealthCheck? = nil,
                              commands: (any DeploymentCommands)? = nil, syncCommands: (any SyncCommands)? = nil,
                              auth: AuthConfiguration? = nil,
                              webhooks: WebhookSettings? = nil) -> Router<CapstanRequestContext> {
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        add(to: router, store: store, health: health, commands: commands, syncCommands: syncCommands, auth: auth,
            webhooks: webhooks)
        return router
    }

    /// Adds the API's middleware and routes to `router` (which may carry other routes, such as webhooks).
    /// Call it before adding routes of your own so that their errors take the same JSON shape; create the
    /// router with `.autoGenerateHeadEndpoints` so that `HEAD` works as the 405 responses' `Allow` header says.
    ///
    /// With `auth`, reads (`GET` under `/api/`, routes added later included) and commands need tokens as
    /// it says. Without it, commands are accepted only from peers on this machine, which they learn from a
    /// context that conforms to `RemoteAddressRequestContext` (``CapstanRequestContext`` does); with any other
    /// context they answer 403.
    public static func add<Context: RequestContext>(to router: Router<Context>, store: any DeploymentStore,
                                                    health: HealthCheck? = nil,
                                                    commands: (any DeploymentCommands)? = nil,
                                                    syncCommands: (any SyncCommands)? = nil,
                                                    auth: AuthConfiguration? = nil, webhooks: WebhookSettings? = nil) {
        router.add(middleware: APIErrorMiddleware<Context>(routes: routes))
        let access = Access(auth)
        router.add(middleware: ReadAccessMiddleware<Context>(access: access))
        let handlers = APIHandlers(store: store, health: health ?? { _ = try await store.lastSequence() })
        let reads: [(String, @Sendable (Request, Context) async throws -> Response)] = [
            ("/healthz", { request, _ in try await handlers.health(request) }),
            ("/api/v1/apps", { request, _ in try await handlers.apps(request) }),
            ("/api/v1/apps/{name}", { _, context in try await handlers.app(try parameter("name", context)) }),
            ("/api/v1/apps/{name}/diff", { _, context in try await handlers.diff(try parameter("name", context)) }),
            ("/api/v1/deployments", { request, _ in try await handlers.deployments(request) }),
            ("/api/v1/deployments/{id}", { _, context in try await handlers.deployment(try parameter("id", context)) }),
            ("/api/v1/deployments/{id}/stages/{index}/logs", { request, context in
                try await handlers.stageLogs(try parameter("id", context), index: try parameter("index", context), request)
            }),
            ("/api/v1/events", { request, _ in try await handlers.events(request) }),
        ]
        for (path, handler) in reads {
            router.get(RouterPath(PathTemplate(path).routerPath), use: handler)
        }
        addEventStream(to: router, store: store, access: access)
        OpenAPIDocument.add(to: router)
        addCommands(to: router, handlers: CommandHandlers(commands: commands, syncCommands: syncCommands, access: access))
        Webhooks.add(to: router, settings: webhooks, sync: syncCommands)
    }

    /// An application serving ``router(store:health:commands:)`` on `host:port`; run it, or add it to a
    /// `ServiceGroup`.
    ///
    /// - Parameters:
    ///   - port: 0 picks a free port; `onListening` is told which.
    ///   - logger: where the server logs (nil: Hummingbird's default, level from `LOG_LEVEL`).
    ///   - metrics: renders the Prometheus text exposition for `GET /metrics`; nil answers 404 there.
    ///   - commands: carries out rollback, cancel, approve and skip-stage; nil answers them with a 503.
    ///   - syncCommands: carries out sync; nil answers it with a 503.
    ///   - auth: the tokens and roles; nil: reads open, commands only from this machine.
    ///   - webhooks: the secrets `POST /webhooks/{provider}` checks (docs/webhooks.md); nil: every delivery is a 401.
    ///   - onListening: called with the bound port once the server accepts connections.
    public static func application(store: any DeploymentStore, host: String = "127.0.0.1", port: Int = 8080,
                                   health: HealthCheck? = nil, logger: Logger? = nil,
                                   metrics: (@Sendable () -> String)? = nil,
                                   commands: (any DeploymentCommands)? = nil,
                                   syncCommands: (any SyncCommands)? = nil, auth: AuthConfiguration? = nil,
                                   webhooks: WebhookSettings? = nil,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Hummingbird.Application<RouterResponder<CapstanRequestContext>> {
        let router = router(store: store, health: health, commands: commands, syncCommands: syncCommands, auth: auth,
                            webhooks: webhooks)
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(string: metrics())))
            }
        }
        return Hummingbird.Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "capstan"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let value = raw.removingPercentEncoding, !value.isEmpty else {
            throw APIError.badRequest("\(name) '\(raw)' is not a valid percent-encoded path segment")
        }
        return value
    }
}
