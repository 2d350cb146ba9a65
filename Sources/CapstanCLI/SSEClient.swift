import CapstanServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What one connection to an event stream delivers.
enum SSEItem: Sendable {
    /// The server answered 200 with `text/event-stream`: the stream is live from the cursor asked for.
    case opened
    case message(SSEMessage)
}

/// One streaming `GET`, read through a URLSession delegate (`URLSession.bytes(for:)` is missing on Linux).
///
/// The task is never cancelled: cancelling one can deadlock FoundationNetworking on Linux. A consumer that
/// stops early just stops listening — later bytes are dropped — and the connection ends when the server
/// ends the stream, when the idle timeout passes, or with the process.
final class SSEConnection: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: URLSession calls the delegate on its own serial queue; `lock` guards what the consumer's
    // side (`abandon`) touches too.
    private let continuation: AsyncThrowingStream<SSEItem, any Error>.Continuation
    private let server: String
    private let url: String
    private let lock = NSLock()
    private var parser = SSEParser()
    private var status = 0
    private var errorBody = Data()
    private var abandoned = false

    private init(_ continuation: AsyncThrowingStream<SSEItem, any Error>.Continuation, server: String, url: String) {
        self.continuation = continuation
        self.server = server
        self.url = url
    }

    /// Sends `request` and returns what comes back; a non-2xx answer ends the stream with
    /// ``ServerClientError/status(_:code:message:)``, no answer with ``ServerClientError/unreachable(server:reason:)``.
    static func open(_ request: URLRequest, server: String, idleTimeout: TimeInterval) -> AsyncThrowingStream<SSEItem, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SSEItem.self)
        let connection = SSEConnection(continuation, server: server, url: request.url?.absoluteString ?? server)
        continuation.onTermination = { _ in connection.abandon() }
        let configuration = URLSessionConfiguration.ephemeral
        // Between two reads: the server sends a heartbeat well within it.
        configuration.timeoutIntervalForRequest = idleTimeout
        // A stream may last a day; then it is reconnected like any dropped one.
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: connection, delegateQueue: nil)
        var request = request
        request.timeoutInterval = idleTimeout
        session.dataTask(with: request).resume()
        // The session goes away when its one task ends (never cancelled: see above).
        session.finishTasksAndInvalidate()
        return stream
    }

    private func abandon() {
        lock.withLock { abandoned = true }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        let type = http?.value(forHTTPHeaderField: "Content-Type") ?? ""
        lock.withLock { status = http?.statusCode ?? 0 }
        if let http, (200..<300).contains(http.statusCode) {
            if type.lowercased().hasPrefix("text/event-stream") {
                yield(.opened)
            } else {
                finish(ServerClientError.invalidResponse(url: url, reason: "not an event stream (Content-Type: \(type))"))
            }
        }
        completionHandler(.allow)
    }

    /// A redirect is answered as it is (an error): following it would carry the token elsewhere.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let messages: [SSEMessage] = lock.withLock {
            if abandoned { return [] }
            guard (200..<300).contains(status) else {
                if errorBody.count < 64 * 1024 { errorBody.append(data) }
                return []
            }
            return parser.feed(data)
        }
        for message in messages { yield(.message(message)) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (status, body) = lock.withLock { (self.status, errorBody) }
        if status != 0, !(200..<300).contains(status) {
            let decoded = try? APIJSON.decoder().decode(ErrorBody.self, from: body)
            finish(ServerClientError.status(status, code: decoded?.error.code ?? "http_\(status)",
                                            message: decoded?.error.message ?? "HTTP \(status) from \(url)"))
        } else if let error {
            finish(ServerClientError.unreachable(server: server, reason: Self.reason(error)))
        } else {
            finish(nil)
        }
    }

    private func yield(_ item: SSEItem) {
        if lock.withLock({ abandoned }) { return }
        continuation.yield(item)
    }

    private func finish(_ error: (any Error)?) {
        continuation.finish(throwing: error)
    }

    static func reason(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .timedOut: return "the stream went silent"
        case .networkConnectionLost: return "connection lost"
        case .unsupportedURL: return "unsupported URL"
        default: return "URL error \(error.code.rawValue)"
        }
    }
}
