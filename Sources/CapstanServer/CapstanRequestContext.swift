public import Hummingbird
public import NIOCore

/// The API's request context: Hummingbird's basic one plus the peer's address, which the write routes
/// check (``BasicRequestContext`` does not keep it).
public struct CapstanRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer; nil when there is none (in-process tests). A middleware may set it, which
    /// is how tests pose as another host.
    public var remoteAddress: SocketAddress?

    /// A context for a request that arrived on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Which peers may use the write routes until the API has tokens: the local machine only.
enum LocalPeer {
    /// True for 127.0.0.0/8, ::1, and IPv4 loopback seen through a dual-stack socket (::ffff:127.x.y.z).
    ///
    /// Read from the address's text, which NIO produces with `inet_ntop` and so is canonical (lower case,
    /// zeros compressed, a mapped IPv4 address in dotted form).
    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let text = address.ipAddress?.lowercased() else { return false }
        switch address {
        case .v4: return text.hasPrefix("127.")
        case .v6: return text == "::1" || text.hasPrefix("::ffff:127.")
        case .unixDomainSocket: return false
        }
    }

    /// The peer of a write request, when it is on this machine; a 403 otherwise.
    ///
    /// Also refuses requests that carry an `Origin` header: browsers send one, command-line clients do not,
    /// and without it a web page open on this machine could post to a server on 127.0.0.1.
    static func require(_ request: Request, context: some RequestContext) throws -> SocketAddress {
        guard let address = (context as? any RemoteAddressRequestContext)?.remoteAddress else {
            throw APIError.forbidden("this server cannot tell where the request comes from, so it accepts no commands; "
                + "until the API has tokens, commands are taken only from this machine (127.0.0.1 or ::1)")
        }
        guard isLoopback(address) else {
            throw APIError.forbidden("commands are accepted only from this machine (127.0.0.1 or ::1) until the API has "
                + "tokens; \(address.ipAddress ?? "this peer") is not local")
        }
        if let origin = request.headers[.origin] {
            throw APIError.forbidden("commands are not accepted from web pages (Origin: \(origin)); use the CLI or curl")
        }
        return address
    }
}
