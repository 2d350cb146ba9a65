/// How the event stream (`GET /api/v1/events/stream`) looks for new events and keeps quiet connections alive.
public struct EventStreamSettings: Sendable {
    /// How often the store is asked for its last sequence while streams are open: once per interval in all,
    /// however many streams there are.
    public var pollInterval: Duration
    /// How long a stream may stay silent before it sends a `: heartbeat` comment, which keeps proxies from
    /// closing it and lets clients tell a quiet stream from a dead one.
    public var heartbeat: Duration
    /// Events read per store call; also the most a stream holds in memory at once.
    public var pageSize: Int

    /// The defaults suit a server: new events show within 200 ms, a heartbeat every 15 s, pages of 1,000.
    public init(pollInterval: Duration = .milliseconds(200), heartbeat: Duration = .seconds(15), pageSize: Int = 1000) {
        precondition(pollInterval > .zero && heartbeat > .zero && pageSize > 0, "event stream settings must be positive")
        self.pollInterval = pollInterval
        self.heartbeat = heartbeat
        self.pageSize = pageSize
    }
}
