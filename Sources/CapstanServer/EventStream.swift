import CapstanCore
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// `GET /api/v1/events/stream`: the event log as Server-Sent Events, from a cursor on, optionally narrowed
/// to one application or one deployment, for as long as the client stays.
///
/// Sequences are global and gap-free, so a stream sends strictly increasing sequences after its cursor and
/// a client that reconnects with the last `id:` it saw (`Last-Event-ID`) misses nothing and sees nothing
/// twice. A stream holds at most one page of events at a time; a slow client slows its own stream only.
struct EventStreamRoute: Sendable {
    let store: any DeploymentStore
    let settings: EventStreamSettings
    let watch: EventStreamWatch

    init(store: any DeploymentStore, settings: EventStreamSettings) {
        self.store = store
        self.settings = settings
        watch = EventStreamWatch(store: store, interval: settings.pollInterval)
    }

    /// Checks the request (a 400 before anything streams) and answers with the stream. `authorize` is asked
    /// again before each page and heartbeat: a stream outlives the check made when it opened, and a token
    /// revoked since must not go on reading.
    func response(_ request: Request, authorize: @escaping @Sendable () throws -> Void = {}) throws -> Response {
        let query = try EventStreamQuery(request)
        let session = EventStreamSession(store: store, settings: settings, watch: watch, query: query,
                                         authorize: authorize)
        var headers = HTTPFields()
        headers[.contentType] = EventStreamFormat.contentType
        headers[.cacheControl] = "no-cache"
        // Asks reverse proxies such as nginx not to buffer the stream.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            await session.serve(request, writer: &writer)
        })
    }
}

/// What one stream sends: events after `after`, of `app` and/or `deployment` when given, `limit` at most.
struct EventStreamQuery: Sendable {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// The largest `limit`: past it, reconnect for more.
    static let maxLimit = 1_000_000

    var after: Int64
    var app: String?
    var deployment: DeploymentID?
    /// The stream ends after this many events; nil: it goes on until the client leaves.
    var limit: Int?

    /// Reads `?after=`, `?app=`, `?deployment=` and `?limit=`, and the `Last-Event-ID` header, which wins over
    /// `after` (a browser's EventSource reconnects to the same URL, adding the header).
    init(_ request: Request) throws {
        let query = QueryReader(request)
        after = try query.integer("after", in: 0...Int64.max, default: 0)
        app = try query.string("app")
        deployment = try query.string("deployment").map(DeploymentID.init(rawValue:))
        limit = try query.string("limit") == nil ? nil : try query.integer("limit", in: 1...Self.maxLimit, default: 1)
        let resume = request.headers[values: Self.lastEventID]
        if resume.count > 1 { throw APIError.badRequest("Last-Event-ID is given \(resume.count) times; give it once") }
        if let text = resume.first?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let sequence = Int64(text), sequence >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be an event sequence (an integer, 0 or more), not '\(text)'")
            }
            after = sequence
        }
    }

    func matches(_ event: Event) -> Bool {
        (app == nil || event.app == app) && (deployment == nil || event.deployment == deployment)
    }
}

/// One client's stream: catch up from the cursor in pages, then wait on the shared watch for more.
struct EventStreamSession: Sendable {
    let store: any DeploymentStore
    let settings: EventStreamSettings
    let watch: EventStreamWatch
    let query: EventStreamQuery
    /// Throws (an ``APIError``, sent as the stream's last event) once the caller may no longer read.
    let authorize: @Sendable () throws -> Void

    /// Streams until the client leaves, the server shuts down, `limit` is reached or the store fails (then
    /// a `stream.error` event says why). Never throws: the response has begun, there is no status to change.
    func serve(_ request: Request, writer: inout any ResponseBodyWriter) async {
        do {
            try await withGracefulShutdownHandler {
                // Cancels the stream as soon as the client closes its connection, not at the next write.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await run(&writer)
                }
            } onGracefulShutdown: { [watch] in
                watch.stop()
            }
        } catch is CancellationError, is EventStreamWatch.Stopped {
            // The client left or the server is stopping: nothing to say.
        } catch let error as APIError {
            try? await writer.write(ByteBuffer(string: EventStreamFormat.error(error)))
        } catch {
            // A failed write means the client is gone; anything else is the store's.
            try? await writer.write(ByteBuffer(string: EventStreamFormat.error(.storeUnavailable(APIHandlers.message(of: error)))))
        }
        try? await writer.finish(nil)
    }

    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        let clock = ContinuousClock()
        var position = query.after
        var sent = 0
        var known = try await read { try await store.lastSequence() }
        try await writer.write(ByteBuffer(string: EventStreamFormat.opening(after: position)))
        var quietSince = clock.now
        while true {
            // Catch up: every event up to `known` (and whatever else this read sees) is sent before waiting.
            while true {
                try authorize()
                let page = try await self.page(after: position)
                var buffer = ByteBuffer()
                for event in page where query.matches(event) {
                    buffer.writeString(try EventStreamFormat.event(event))
                    sent += 1
                    if let limit = query.limit, sent >= limit {
                        try await writer.write(buffer)
                        return
                    }
                    if buffer.readableBytes >= 32 * 1024 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 {
                    try await writer.write(buffer)
                    quietSince = clock.now
                }
                position = max(position, page.last?.sequence ?? position)
                // A short page holds everything up to `known`, which was read before it: a stream narrowed to
                // a deployment need not look below `known` again.
                if page.count < settings.pageSize {
                    position = max(position, known)
                    break
                }
            }
            if clock.now - quietSince >= settings.heartbeat {
                try authorize()
                try await writer.write(ByteBuffer(string: EventStreamFormat.heartbeat))
                quietSince = clock.now
            }
            known = try await watch.wait(beyond: position, until: quietSince + settings.heartbeat)
        }
    }

    /// The next page after `position`: through the store's index when the stream follows one deployment.
    private func page(after position: Int64) async throws -> [Event] {
        try await read {
            if let deployment = query.deployment {
                return try await store.events(of: deployment, stage: nil, kind: nil, after: position, limit: settings.pageSize)
            }
            return try await store.events(after: position, limit: settings.pageSize)
        }
    }

    private func read<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw APIError.storeUnavailable(APIHandlers.message(of: error))
        }
    }
}
