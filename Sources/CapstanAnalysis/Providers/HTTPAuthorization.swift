import Foundation

/// An `Authorization` header value read from a secret. Printing, dumping or logging it shows only the
/// scheme, so the secret cannot leak through a log line or an error message.
public struct HTTPAuthorization: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The header value; read only where the request is built.
    let headerValue: String
    private let scheme: String

    private init(scheme: String, credentials: String) {
        self.scheme = scheme
        self.headerValue = "\(scheme) \(credentials)"
    }

    /// `Authorization: Bearer <token>`.
    public static func bearer(_ token: String) -> HTTPAuthorization {
        HTTPAuthorization(scheme: "Bearer", credentials: token)
    }

    /// `Authorization: Basic <base64(username:password)>`.
    public static func basic(username: String, password: String) -> HTTPAuthorization {
        HTTPAuthorization(scheme: "Basic", credentials: Data("\(username):\(password)".utf8).base64EncodedString())
    }

    public var description: String { "\(scheme) <redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["scheme": scheme]) }
}
