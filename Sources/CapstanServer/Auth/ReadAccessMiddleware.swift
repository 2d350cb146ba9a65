import Hummingbird

/// Checks reads (`GET` and `HEAD` under `/api/`) against ``Access``: every read route, including ones
/// added after the API's own, without each having to ask. `/healthz`, `/metrics` and webhooks (which
/// check their own signatures) are outside `/api/` or not reads; commands check their role themselves.
struct ReadAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response {
        if request.method == .get || request.method == .head, request.uri.path.hasPrefix("/api/") {
            try access.checkRead(request, logger: context.logger)
        }
        return try await next(request, context)
    }
}
