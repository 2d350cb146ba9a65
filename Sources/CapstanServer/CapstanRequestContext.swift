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
