import CapstanCore
import CapstanServer
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A raw HTTP/1.1 client for the event stream over a real socket: it reads the body as it comes (the
/// HummingbirdTesting clients wait for the whole response) and hangs up when its scope ends.
enum EventStreamTestClient {
    /// Opens `GET path` on 127.0.0.1:`port` and runs `body` with a reader; the connection closes after.
    /// A read that waits `readTimeout` for a byte closes the connection, so a broken stream fails a test, not
    /// hangs it.
    static func withStream<T: Sendable>(port: Int, path: String, headers: [(String, String)] = [],
                                        readTimeout: TimeAmount = .seconds(5),
                                        _ body: (inout EventStreamReader) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandlers([IdleStateHandler(readTimeout: readTimeout), CloseWhenIdle()])
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var reader = EventStreamReader(iterator: inbound.makeAsyncIterator())
            return try await body(&reader)
        }
    }
}

/// What a stream sent so far.
struct EventStreamReader {
    /// One `id:`/`event:`/`data:` block.
    struct Block: Sendable, Hashable {
        var id: Int64?
        var event: String?
        var data: String?
    }

    fileprivate var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private(set) var head: HTTPResponseHead?
    /// The body so far.
    private(set) var text = ""
    /// The server ended the response (or the connection).
    private(set) var ended = false

    /// Reads until `predicate` holds for the reader; false when the stream ended (or went silent 5 s) first.
    @discardableResult
    mutating func read(until predicate: (EventStreamReader) -> Bool) async throws -> Bool {
        while !predicate(self) {
            if ended { return false }
            guard let part = try await iterator.next() else {
                ended = true
                return predicate(self)
            }
            switch part {
            case .head(let head): self.head = head
            case .body(let buffer): text += String(buffer: buffer)
            case .end: ended = true
            }
        }
        return true
    }

    /// Reads until `count` events have come.
    @discardableResult
    mutating func read(events count: Int) async throws -> Bool {
        try await read { $0.events.count >= count }
    }

    /// The blocks with an `id:`: the events.
    var events: [Block] { blocks.filter { $0.id != nil } }

    /// The decoded `data:` of the events.
    var eventViews: [EventView] {
        get throws { try events.map { try APIJSON.decoder().decode(EventView.self, from: Data(($0.data ?? "").utf8)) } }
    }

    /// Every complete block (ended by a blank line), comments left out.
    var blocks: [Block] {
        var complete = text.components(separatedBy: "\n\n")
        complete.removeLast()
        return complete.compactMap { block in
            var found = Block()
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                let value = line.split(separator: ":", maxSplits: 1).dropFirst().first.map { String($0.dropFirst()) }
                switch line.prefix(while: { $0 != ":" }) {
                case "id": found.id = value.flatMap { Int64($0) }
                case "event": found.event = value
                case "data": found.data = value
                default: break
                }
            }
            return found == Block() ? nil : found
        }
    }

    /// How many `: heartbeat` comments came.
    var heartbeats: Int { text.components(separatedBy: ": heartbeat\n").count - 1 }
}

/// Closes the connection when the idle handler says nothing came for a while.
private final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }
}

/// A store that counts how often it is asked for its last sequence: what every open stream's polling costs.
final class CountingStore: DeploymentStore {
    let base: any DeploymentStore
    private let polls = Mutex(0)

    init(_ base: any DeploymentStore) { self.base = base }

    var lastSequenceCalls: Int { polls.withLock { $0 } }

    func lastSequence() async throws -> Int64 {
        polls.withLock { $0 += 1 }
        return try await base.lastSequence()
    }

    @discardableResult
    func write(_ changes: [StoreChange], events: [NewEvent]) async throws -> [Event] { try await base.write(changes, events: events) }
    func deployment(_ id: DeploymentID) async throws -> Deployment? { try await base.deployment(id) }
    func deployments(app: String?, state: DeploymentState?, limit: Int) async throws -> [Deployment] {
        try await base.deployments(app: app, state: state, limit: limit)
    }
    func stages(of deployment: DeploymentID) async throws -> [StageRecord] { try await base.stages(of: deployment) }
    func approvals(of deployment: DeploymentID) async throws -> [Approval] { try await base.approvals(of: deployment) }
    func app(_ name: String) async throws -> AppRecord? { try await base.app(name) }
    func apps() async throws -> [AppRecord] { try await base.apps() }
    func events(after: Int64, limit: Int) async throws -> [Event] { try await base.events(after: after, limit: limit) }
    func events(of deployment: DeploymentID, stage: Int?, kind: EventKind?, after: Int64, limit: Int) async throws -> [Event] {
        try await base.events(of: deployment, stage: stage, kind: kind, after: after, limit: limit)
    }
}
