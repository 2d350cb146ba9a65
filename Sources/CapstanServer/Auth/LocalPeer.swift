import Hummingbird
import NIOCore

/// Which peers may send commands to a server without tokens: the local machine only, and never a web page.
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

    /// The peer of a command, when it is on this machine and not a web page; a 403 otherwise.
    static func require(_ request: Request, context: some RequestContext) throws -> SocketAddress {
        guard let address = (context as? any RemoteAddressRequestContext)?.remoteAddress else {
            throw APIError.forbidden("this server cannot tell where the request comes from, so it accepts no commands; "
                + "without tokens (auth in the server config) it takes commands only from this machine (127.0.0.1 or ::1)")
        }
        guard isLoopback(address) else {
            throw APIError.forbidden("this server has no tokens (no auth in its config), so it takes commands only from "
                + "this machine (127.0.0.1 or ::1); \(address.ipAddress ?? "this peer") is not local")
        }
        try refuseWebPages(request)
        return address
    }

    /// A 403 for requests that carry an `Origin` header: browsers send one, command-line clients do not.
    /// Without it a web page open on this machine could post to a server on 127.0.0.1; with tokens it is
    /// kept so that commands have one kind of client whatever the server's setup.
    static func refuseWebPages(_ request: Request) throws {
        if let origin = request.headers[.origin] {
            throw APIError.forbidden("commands are not accepted from web pages (Origin: \(origin)); use the CLI or curl")
        }
    }
}
