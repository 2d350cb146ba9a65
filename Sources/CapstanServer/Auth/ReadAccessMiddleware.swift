import Hummingbird

/// Checks reads (`GET` and `HEAD`) against ``Access``: every read route, including ones added after the
/// API's own, without each having to ask. Only `/healthz` and `/metrics` are open to all; webhooks check
/// their own signatures and commands their role, both on `POST`.
///
/// It decides by the path's segments as the router reads them (empty and `.` segments skipped), so that a
/// path spelled `//api/v1/apps` — which the router still serves — cannot pass as something else.
struct ReadAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response {
        if request.method == .get || request.method == .head, !Self.isOpen(request.uri.path) {
            try access.checkRead(request, logger: context.logger)
        }
        return try await next(request, context)
    }

    /// Paths anyone may read: a load balancer's health check and Prometheus' scrape.
    static func isOpen(_ path: String) -> Bool {
        let segments = path.split(separator: "/").filter { $0 != "." }
        return segments == ["healthz"] || segments == ["metrics"]
    }
}
