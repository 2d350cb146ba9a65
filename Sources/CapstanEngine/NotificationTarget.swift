public import CapstanCore
import Crypto
import Foundation

/// A receiver as the notifier uses it: its config, its URL checked, and its signing key read.
public struct NotificationTarget: Sendable {
    public let config: NotificationConfig
    let url: URL
    let key: SigningKey?
    /// The base of links in payloads, without a trailing `/`.
    let linkBase: String

    /// - Parameters:
    ///   - secret: the signing secret as read from the config's `secret`, `secretEnv` or `secretFile`; nil:
    ///     deliveries go unsigned.
    ///   - defaultLink: the base of links when the config has no `link` (the server's own address).
    public init(_ config: NotificationConfig, secret: String?, defaultLink: String) throws(NotificationSetupError) {
        guard let url = URL(string: config.url), url.host != nil else {
            throw NotificationSetupError("notification \(config.name): url is not a URL")
        }
        if config.secret != nil && secret == nil {
            throw NotificationSetupError("notification \(config.name): its secret was not read")
        }
        self.config = config
        self.url = url
        self.key = secret.map { SigningKey(Array($0.utf8)) }
        let base = config.link ?? defaultLink
        self.linkBase = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// The request of one delivery: its body as queued, signed now (so a rotated secret applies to retries).
    public func request(for delivery: NotificationDelivery) -> NotificationRequest {
        var headers = [
            "Content-Type": "application/json",
            "User-Agent": "Capstan-Notifier",
            "X-Capstan-Delivery": delivery.id,
            "X-Capstan-Event": delivery.kind.rawValue,
        ]
        if let key { headers["X-Capstan-Signature"] = key.signature(of: delivery.body) }
        return NotificationRequest(url: url, headers: headers, body: delivery.body)
    }
}

/// A receiver's signing key. Its description names no byte of it, so neither logs nor `dump` show it.
struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// `sha256=` and the hex HMAC-SHA256 of `body`: the scheme of the inbound generic webhook, so one
    /// verification routine serves both directions.
    func signature(of body: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: bytes))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    var description: String { "a signing key" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: []) }
}

/// Why the notifier cannot be set up from the config; the message names the notification and field.
public struct NotificationSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
