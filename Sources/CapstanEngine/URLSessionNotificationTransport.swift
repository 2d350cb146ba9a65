import CapstanCore
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// Sends notifications with Foundation's URLSession (libcurl on Linux), each with a hard deadline.
///
/// The in-flight URLSession task is never cancelled — cancelling one can deadlock FoundationNetworking on
/// Linux (the analysis providers' `HTTPFetch` does the same). The caller is answered by whichever comes
/// first: the task's completion, the deadline, or the caller's cancellation; a task that outlives its
/// caller ends by its own request timeout. Redirects are not followed: a 3xx is an answer like any other
/// non-2xx, so a signed body never goes anywhere but the configured URL.
public struct URLSessionNotificationTransport: NotificationTransport {
    /// The longest one delivery may take, connecting included.
    public let timeout: Duration
    private let owner: SessionOwner

    public init(timeout: Duration = .seconds(10)) {
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

    public func send(_ request: NotificationRequest) async -> NotificationResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = "POST"
        urlRequest.httpBody = request.body
        // FoundationNetworking truncates this to whole seconds (0 would mean none); the deadline below is exact.
        urlRequest.timeoutInterval = Self.wholeSeconds(timeout)
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        let target = request.url.redactedForNotifications
        guard !Task.isCancelled else { return .cancelled }
        let answer = Answer()
        let session = owner.session
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<NotificationResponse, Never>) in
                guard answer.wait(continuation) else { return }
                let task = session.dataTask(with: urlRequest) { _, response, error in
                    answer.give(Self.response(response, error, target: target, timeout: timeout))
                }
                task.resume()
                // Fires even after an answer (then it does nothing): a cancellable DispatchWorkItem is not
                // Sendable on Linux.
                DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(timeout)) {
                    answer.give(.unreachable("no answer from \(target) within \(DurationText.format(timeout))"))
                }
            }
        } onCancel: {
            answer.give(.cancelled)
        }
    }

    private static func response(_ response: URLResponse?, _ error: (any Error)?, target: String, timeout: Duration)
        -> NotificationResponse {
        if let error { return .unreachable("cannot reach \(target): \(describe(error, timeout: timeout))") }
        guard let http = response as? HTTPURLResponse else { return .unreachable("\(target) did not answer with HTTP") }
        return .status(http.statusCode)
    }

    /// URLError descriptions on Linux are often just a code; name the usual ones.
    private static func describe(_ error: any Error, timeout: Duration) -> String {
        guard let error = error as? URLError else { return "\(type(of: error))" }
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
        case waiting(CheckedContinuation<NotificationResponse, Never>)
        /// Given before anyone waited (cancelled before the continuation existed).
        case early(NotificationResponse)
        case done
    }

    private let state = Mutex(State.pending)

    /// Keeps the continuation; false when the answer was already given (then it has been resumed).
    func wait(_ continuation: CheckedContinuation<NotificationResponse, Never>) -> Bool {
        let early: NotificationResponse? = state.withLock { state in
            if case .early(let response) = state {
                state = .done
                return response
            }
            state = .waiting(continuation)
            return nil
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    func give(_ response: NotificationResponse) {
        let waiting: CheckedContinuation<NotificationResponse, Never>? = state.withLock { state in
            switch state {
            case .pending:
                state = .early(response)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        waiting?.resume(returning: response)
    }
}

/// Invalidates the session when the last copy of the transport goes: a URLSession lives until invalidated.
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

/// A redirect is answered as it is: following it would carry the signed body wherever Location points.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // No stored state: nothing to guard, hence @unchecked.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
