import CapstanCore
import CapstanServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Follows `GET /api/v1/events/stream`, reconnecting a dropped stream with `Last-Event-ID`, so the caller sees
/// every event after its cursor once, in order, however often the connection drops.
struct EventStreamClient: Sendable {
    /// What the caller wants after an event.
    enum Next: Sendable {
        case more, stop
    }

    let server: URL
    /// Sent as `Authorization: Bearer <token>`; nil sends none.
    var token: String?
    /// `app` and `deployment` filters (nil values are left out).
    var filters: [(String, String?)] = []
    /// How long to keep trying to reconnect before giving up with the last error.
    var retryFor: Duration = .seconds(30)
    /// A stream silent for this long is taken as dead (the server's heartbeat comes every 15 s).
    var idleTimeout: TimeInterval = 60

    /// Calls `handle` with each event after `after`, oldest first, until it answers `.stop` or `limit` events
    /// have come. Throws what made it give up: a refusal (4xx) at once, anything else (unreachable, 5xx, a
    /// stream the store broke) once reconnecting has failed for `retryFor`.
    func follow(after: Int64, limit: Int? = nil, _ handle: (EventView) async throws -> Next) async throws {
        let clock = ContinuousClock()
        var cursor = after
        var remaining = limit
        var failingSince: ContinuousClock.Instant?
        var pause = Duration.milliseconds(100)
        while true {
            try Task.checkCancellation()
            var failure: any Error = ServerClientError.unreachable(server: server.absoluteString, reason: "the stream ended")
            var openedAt: ContinuousClock.Instant?
            do {
                let stream = SSEConnection.open(try request(after: cursor, limit: remaining), server: server.absoluteString,
                                                idleTimeout: idleTimeout)
                for try await item in stream {
                    switch item {
                    case .opened:
                        openedAt = clock.now
                    case .message(let message):
                        let event = try self.event(message)
                        // Sequences only grow: anything at or below the cursor was seen already.
                        guard event.sequence > cursor else { continue }
                        cursor = event.sequence
                        remaining = remaining.map { $0 - 1 }
                        if try await handle(event) == .stop || remaining == 0 { return }
                    }
                }
            } catch let error as ServerClientError where !Self.retryable(error) {
                throw error
            } catch {
                failure = error
            }
            // A stream that ran for a while and dropped is reconnected at once; one that failed to open (or
            // broke at once) is tried again after a pause that doubles, until `retryFor` has passed.
            let now = clock.now
            if let openedAt, now - openedAt >= .seconds(1) {
                failingSince = nil
                pause = .milliseconds(100)
                continue
            }
            if let since = failingSince, now - since >= retryFor { throw failure }
            if failingSince == nil { failingSince = now }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(2))
        }
    }

    /// The event a message carries; a `stream.error` throws its error.
    private func event(_ message: SSEMessage) throws -> EventView {
        if message.event == "stream.error" {
            let body = try? APIJSON.decoder().decode(ErrorBody.self, from: Data(message.data.utf8))
            throw ServerClientError.status(503, code: body?.error.code ?? "store_unavailable",
                                           message: body?.error.message ?? message.data)
        }
        do {
            return try APIJSON.decoder().decode(EventView.self, from: Data(message.data.utf8))
        } catch {
            throw ServerClientError.invalidResponse(url: server.absoluteString, reason: "an event that is not an event: \(error)")
        }
    }

    private func request(after cursor: Int64, limit: Int?) throws -> URLRequest {
        var components = URLComponents(url: server, resolvingAgainstBaseURL: false)
        let base = components?.path.hasSuffix("/") == true ? String(components?.path.dropLast() ?? "") : components?.path ?? ""
        components?.path = base + "/api/v1/events/stream"
        components?.queryItems = ([("after", String(cursor)), ("limit", limit.map(String.init))] + filters)
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        guard let url = components?.url else {
            throw ServerClientError.invalidResponse(url: server.absoluteString, reason: "cannot build the event stream's URL")
        }
        var request = URLRequest(url: url, timeoutInterval: idleTimeout)
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue(String(cursor), forHTTPHeaderField: "Last-Event-ID")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }

    /// Worth another try: no answer, a server error, a stream that broke. Not: a refusal (4xx) or a reply
    /// that is not an event stream.
    private static func retryable(_ error: ServerClientError) -> Bool {
        switch error {
        case .unreachable: true
        case .status(let status, _, _): status >= 500
        case .invalidResponse: false
        }
    }
}
