public import CapstanCore
public import Hummingbird

extension CapstanAPI {
    /// Adds `GET /api/v1/events/stream` (Server-Sent Events of the event log) to `router`.
    ///
    /// ``add(to:store:health:commands:)`` calls it with the default settings; call it yourself on a router of
    /// your own to stream with others (tests use a short heartbeat). Its errors before the stream starts are
    /// ``APIError``s, shaped as JSON by the API's error middleware when the router has it.
    public static func addEventStream<Context: RequestContext>(to router: Router<Context>, store: any DeploymentStore,
                                                               settings: EventStreamSettings = EventStreamSettings()) {
        addEventStream(to: router, store: store, settings: settings, access: Access(nil))
    }

    /// The same, with the read check of `access` made again while a stream runs (the middleware made it once).
    static func addEventStream<Context: RequestContext>(to router: Router<Context>, store: any DeploymentStore,
                                                        settings: EventStreamSettings = EventStreamSettings(),
                                                        access: Access) {
        let route = EventStreamRoute(store: store, settings: settings)
        router.get(RouterPath(PathTemplate(eventStreamPath).routerPath)) { request, context in
            let logger = context.logger
            return try route.response(request) { try access.checkRead(request, logger: logger) }
        }
    }

    /// Where the event stream is served.
    static let eventStreamPath = "/api/v1/events/stream"
}
