public import Foundation

/// One POST to a receiver.
public struct NotificationRequest: Sendable, Hashable {
    public var url: URL
    /// Header name → value (`Content-Type`, `X-Capstan-Delivery`, `X-Capstan-Signature`, ...).
    public var headers: [String: String]
    public var body: Data

    public init(url: URL, headers: [String: String], body: Data) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What came back from a receiver.
public enum NotificationResponse: Sendable, Hashable {
    /// An HTTP answer with this status.
    case status(Int)
    /// No answer: the reason as people read it (connection refused, timeout, TLS). Never holds the URL's
    /// path or query, which may carry a token (Slack's webhook URLs do).
    case unreachable(String)
    /// The caller was cancelled before an answer came; the request may still reach the receiver.
    case cancelled
}

/// Sends notification requests: URLSession in the server, a script in tests.
public protocol NotificationTransport: Sendable {
    /// Sends `request` and waits for its answer, at most the transport's timeout. Never throws: every way
    /// it can end is a ``NotificationResponse``.
    func send(_ request: NotificationRequest) async -> NotificationResponse
}

extension URL {
    /// Scheme, host and port only, for messages and logs: a receiver's path or query may be a secret
    /// (`https://hooks.slack.com/services/T…/B…/<token>`).
    var redactedForNotifications: String {
        guard let scheme, let host else { return "the receiver" }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }
}
