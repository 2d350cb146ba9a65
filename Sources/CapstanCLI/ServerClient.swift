import CapstanServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a call to the Capstan server failed; each case knows its exit status.
enum ServerClientError: Error, Sendable, CustomStringConvertible {
    /// No answer: refused, unknown host, timed out.
    case unreachable(server: String, reason: String)
    /// The server answered with an error status and, usually, the API's error body.
    case status(Int, code: String, message: String)
    /// The server answered something this CLI cannot read.
    case invalidResponse(url: String, reason: String)

    var description: String {
        switch self {
        case .unreachable(let server, let reason):
            "cannot reach the Capstan server at \(server) (\(reason)); is `capstan serve` running? "
                + "Point at another with --server or CAPSTAN_SERVER"
        case .status(let status, "store_unavailable", let message): "the server's store is unavailable (\(status)): \(message)"
        case .status(_, "commands_unavailable", let message): message
        case .status(let status, _, let message) where status >= 500: "the server failed (\(status)): \(message)"
        case .status(_, _, let message): message
        case .invalidResponse(let url, let reason): "unexpected response from \(url): \(reason)"
        }
    }

    /// 1 for what the server refuses (no such record, bad value); 2 when no usable answer came back.
    var exitStatus: Int32 {
        if case .status(let status, _, _) = self, status < 500 { return 1 }
        return 2
    }
}

/// Reads the Capstan HTTP API with Foundation's URLSession (libcurl on Linux).
struct ServerClient: Sendable {
    /// Seconds to wait for an answer.
    static let timeout: TimeInterval = 10
    /// Follows no redirect: one would carry the token to wherever `Location` points. The server never redirects.
    static let session = URLSession(configuration: .ephemeral, delegate: RefuseRedirects(), delegateQueue: nil)

    let server: URL
    /// Sent as `Authorization: Bearer <token>` with every request; nil sends none.
    var token: String?

    /// Decodes the JSON answer of `GET path?query`; `path` segments are given unencoded.
    func get<T: Decodable>(_ segments: [String], query: [(String, String?)] = [], as type: T.Type = T.self) async throws -> T {
        let url = try url(segments, query: query)
        var request = URLRequest(url: url, timeoutInterval: Self.timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        authorize(&request)
        return try await send(request, as: type)
    }

    /// Decodes the JSON answer of `POST path` with `body` as JSON (no body when nil).
    func post<T: Decodable>(_ segments: [String], body: (some Encodable & Sendable)?, as type: T.Type = T.self)
        async throws -> T {
        let url = try url(segments, query: [])
        var request = URLRequest(url: url, timeoutInterval: Self.timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        authorize(&request)
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try APIJSON.encoder().encode(body)
        }
        return try await send(request, as: type)
    }

    private func authorize(_ request: inout URLRequest) {
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    }

    /// Sends `request`; a non-2xx answer throws ``ServerClientError/status(_:code:message:)`` with the API's message.
    private func send<T: Decodable>(_ request: URLRequest, as type: T.Type) async throws -> T {
        let url = request.url?.absoluteString ?? server.absoluteString
        let data: Data, response: URLResponse
        do {
            (data, response) = try await Self.session.data(for: request)
        } catch {
            throw ServerClientError.unreachable(server: server.absoluteString, reason: Self.reason(error))
        }
        guard let http = response as? HTTPURLResponse else {
            throw ServerClientError.invalidResponse(url: url, reason: "not an HTTP response")
        }
        guard (200..<300).contains(http.statusCode) else {
            let body = try? APIJSON.decoder().decode(ErrorBody.self, from: data)
            throw ServerClientError.status(http.statusCode, code: body?.error.code ?? "http_\(http.statusCode)",
                                           message: body?.error.message ?? "HTTP \(http.statusCode) from \(url)")
        }
        do {
            return try APIJSON.decoder().decode(T.self, from: data)
        } catch {
            throw ServerClientError.invalidResponse(url: url, reason: "\(error)")
        }
    }

    private func url(_ segments: [String], query: [(String, String?)]) throws -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        let path = segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
        let base = server.absoluteString.hasSuffix("/") ? String(server.absoluteString.dropLast()) : server.absoluteString
        guard var components = URLComponents(string: base + "/" + path) else {
            throw ServerClientError.invalidResponse(url: base, reason: "cannot build a URL for /\(path)")
        }
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        if !items.isEmpty { components.queryItems = items }
        guard let url = components.url else {
            throw ServerClientError.invalidResponse(url: base, reason: "cannot build a URL for /\(path)")
        }
        return url
    }

    private static func reason(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .timedOut: return "no answer within \(Int(timeout)) s"
        case .networkConnectionLost: return "connection lost"
        case .unsupportedURL: return "unsupported URL"
        default: return "URL error \(error.code.rawValue)"
        }
    }
}

/// Answers a redirect as it is (a 3xx, which the client reports as an error) instead of following it.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // No stored state: nothing to guard, hence @unchecked.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
