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
        let route = EventStreamRoute(store: store, settings: settings)
        router.get(RouterPath(PathTemplate(eventStreamPath).routerPath)) { request, _ in try route.response(request) }
    }

    /// Where the event stream is served.
    static let eventStreamPath = "/api/v1/events/stream"
}
