import CapstanCore
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The providers' HTTP exchanges, each with a hard deadline.
///
/// The in-flight URLSession task is never cancelled — cancelling one can deadlock FoundationNetworking on
/// Linux. Instead the caller is answered by whichever comes first: the task's completion, our deadline,
/// or the caller's own cancellation; a task that outlives its caller ends by its own request timeout.
struct HTTPFetch: Sendable {
    struct Response: Sendable {
        let status: Int
        let body: Data
    }

    let timeout: Duration
    private let owner: SessionOwner
    private var session: URLSession { owner.session }

    init(timeout: Duration) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.wholeSeconds(timeout)
        configuration.timeoutIntervalForResource = Self.wholeSeconds(timeout)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        owner = SessionOwner(URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil))
    }

    /// Sends `request`; any answer with a status comes back, a failure to get one is `.unavailable`.
    func send(_ request: URLRequest) async throws(ProviderError) -> Response {
        var request = request
        // FoundationNetworking truncates this to whole seconds (0 would mean no timeout at all); the
        // deadline below is the precise one.
        request.timeoutInterval = Self.wholeSeconds(timeout)
        let target = Self.redacted(request.url)
        guard !Task.isCancelled else { throw ProviderError(.unavailable, "cancelled before asking \(target)") }

        let answer = Answer()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Response, ProviderError>, Never>) in
                guard answer.wait(continuation) else { return }
                let task = session.dataTask(with: request) { data, response, error in
                    answer.give(Self.result(data, response, error, target: target, timeout: timeout))
                }
                task.resume()
                // Fires even after an answer (then it does nothing): a DispatchWorkItem that could be
                // cancelled is not Sendable on Linux.
                DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(timeout)) {
                    answer.give(.failure(ProviderError(.unavailable, "no answer from \(target) within \(DurationText.format(timeout))")))
                }
            }
        } onCancel: {
            answer.give(.failure(ProviderError(.unavailable, "cancelled while waiting for \(target)")))
        }
        return try result.get()
    }

    private static func result(_ data: Data?, _ response: URLResponse?, _ error: (any Error)?, target: String,
                               timeout: Duration) -> Result<Response, ProviderError> {
        if let error {
            return .failure(ProviderError(.unavailable, "cannot reach \(target): \(describe(error, timeout: timeout))"))
        }
        guard let http = response as? HTTPURLResponse else {
            return .failure(ProviderError(.badResponse, "\(target) did not answer with HTTP"))
        }
        return .success(Response(status: http.statusCode, body: data ?? Data()))
    }

    /// URLError descriptions on Linux are often just a code; name the usual ones.
    private static func describe(_ error: any Error, timeout: Duration) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "no answer within \(DurationText.format(timeout))"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .networkConnectionLost: return "the connection was closed"
        case .notConnectedToInternet: return "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed (\(error.code.rawValue))"
        default: return "URL error \(error.code.rawValue)"
        }
    }

    /// Scheme, host, port and path only: a query string may carry a token, and messages end up in logs.
    static func redacted(_ url: URL?) -> String {
        guard let url, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "?" }
        components.user = nil
        components.password = nil
        let hadQuery = components.query != nil
        components.query = nil
        components.fragment = nil
        return (components.string ?? "?") + (hadQuery ? "?…" : "")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func wholeSeconds(_ duration: Duration) -> TimeInterval {
        max(1, seconds(duration).rounded(.up))
    }
}

/// The continuation of one exchange, resumed exactly once by whoever gets there first.
private final class Answer: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Result<HTTPFetch.Response, ProviderError>, Never>)
        /// Given before anyone waited (cancelled before the continuation existed).
        case early(Result<HTTPFetch.Response, ProviderError>)
        case done
    }

    private let state = Mutex(State.pending)

    /// Keeps the continuation; false when the answer was already given (then it has been resumed).
    func wait(_ continuation: CheckedContinuation<Result<HTTPFetch.Response, ProviderError>, Never>) -> Bool {
        let early: Result<HTTPFetch.Response, ProviderError>? = state.withLock { state in
            if case .early(let result) = state {
                state = .done
                return result
            }
            state = .waiting(continuation)
            return nil
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    func give(_ result: Result<HTTPFetch.Response, ProviderError>) {
        let waiting: CheckedContinuation<Result<HTTPFetch.Response, ProviderError>, Never>? = state.withLock { state in
            switch state {
            case .pending:
                state = .early(result)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        waiting?.resume(returning: result)
    }
}

/// Invalidates the session when the last copy of its provider goes: a URLSession lives until invalidated.
/// `finishTasksAndInvalidate` lets a request still in flight end on its own (it is never cancelled).
private final class SessionOwner: Sendable {
    let session: URLSession

    init(_ session: URLSession) {
        self.session = session
    }

    deinit {
        session.finishTasksAndInvalidate()
    }
}

/// A redirect is answered as it is (a 3xx, which the providers report): following it would carry the
/// Prometheus credentials to wherever the Location points.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // No stored state: nothing to guard, hence @unchecked.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
