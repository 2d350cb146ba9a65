import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape, and a request for a known path with an unknown
/// method into a 405 (the router alone answers 404 for both).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The API's paths and the methods each answers.
    let routes: [(path: PathTemplate, methods: [HTTPRequest.Method])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router throws a bare HTTPError 404: our handlers throw APIError.
            let path = request.uri.path
            if let route = routes.first(where: { $0.path.matches(path) }) {
                return try APIError.methodNotAllowed(request.method, path: path, allowed: route.methods)
                    .response(from: request, context: context)
            }
            return try APIError.notFound("no route \(request.method.rawValue) \(path)").response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            let code = error.status.code < 500 ? "bad_request" : "internal"
            return try APIError(status: error.status, code: code, message: message).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try APIError(status: .internalServerError, code: "internal", message: "internal error; see the server log")
                .response(from: request, context: context)
        }
    }
}

/// A route path such as `/api/v1/apps/{name}`: literal segments and `{…}` captures of one segment each.
struct PathTemplate: Sendable, CustomStringConvertible {
    let description: String
    private let segments: [Substring?]

    init(_ template: String) {
        description = template
        segments = template.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }
    }

    func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        guard parts.count == segments.count else { return false }
        return zip(parts, segments).allSatisfy { part, segment in segment.map { $0 == part } ?? true }
    }

    /// The form Hummingbird's router takes: `{name}` becomes `:name`.
    var routerPath: String {
        "/" + description.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : $0 }
            .joined(separator: "/")
    }
}
