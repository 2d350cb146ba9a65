public import Hummingbird

/// The body of every error response: `{"error": {"code": "not_found", "message": "…"}}`.
public struct ErrorBody: Sendable, Hashable, Codable {
    /// The error itself.
    public struct Detail: Sendable, Hashable, Codable {
        /// Stable, for programs: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
        /// `conflict`, `payload_too_large`, `store_unavailable`, `commands_unavailable`, `auth_unavailable`,
        /// `internal`.
        public var code: String
        /// For people; names the parameter or record at fault.
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var error: Detail

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}

/// An error the API answers with: a status, a stable code and a message a user can act on.
public struct APIError: Error, Sendable, Hashable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra response headers (`Allow` on a 405).
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// 404: no such record, or no such route.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }

    /// 400: a query or path value the API cannot use; the message names the parameter.
    public static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    /// 403: the peer may not use this route (commands from another host, or from a web page).
    public static func forbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, code: "forbidden", message: message)
    }

    /// 409: the command does not apply to the record as it is now; the message says why.
    public static func conflict(_ message: String) -> APIError {
        APIError(status: .conflict, code: "conflict", message: message)
    }

    /// 413: the request body is larger than the route reads.
    public static func payloadTooLarge(_ message: String) -> APIError {
        APIError(status: .contentTooLarge, code: "payload_too_large", message: message)
    }

    /// 503: this server was started without a command handler (``DeploymentCommands``).
    public static func commandsUnavailable() -> APIError {
        APIError(status: .serviceUnavailable, code: "commands_unavailable", message: "this server does not accept commands")
    }

    /// 503: the store could not answer; the message is the store's.
    public static func storeUnavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, code: "store_unavailable", message: message)
    }

    /// 405 with an `Allow` header.
    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(method.rawValue) is not allowed on \(path); use \(headers[.allow] ?? "")",
                        headers: headers)
    }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIJSON.response(ErrorBody(code: code, message: message), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}
