import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// `GET /api/v1/events/stream` over a real socket: order, resuming, filters, heartbeats, limits, errors.
@Suite(.timeLimit(.minutes(1))) struct EventStreamRouteTests {
    /// Runs `body` with the port of a live server streaming `store` with `settings` (a short poll by default).
    static func withStreamServer<T: Sendable>(
        store: (any DeploymentStore)? = nil,
        settings: EventStreamSettings = EventStreamSettings(pollInterval: .milliseconds(20), heartbeat: .seconds(15)),
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let served: any DeploymentStore
        if let store { served = store } else { served = try await Seed.store() }
        let router = Router(context: CapstanRequestContext.self)
        CapstanAPI.addEventStream(to: router, store: served, settings: settings)
        var logger = Logger(label: "capstan-stream-test")
        logger.logLevel = .warning
        let app = Hummingbird.Application(router: router, logger: logger)
        return try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    static func append(_ store: MemoryDeploymentStore, _ messages: String..., app: String = "checkout",
                       deployment: String = "d-0004") async throws {
        try await store.write([], events: messages.map { message in
            NewEvent(kind: .stageLog, at: Seed.at(300), app: app, deployment: DeploymentID(rawValue: deployment),
                     stageIndex: 1, message: message)
        })
    }

    @Test func sendsTheEventsAfterTheCursorThenNewOnesInOrder() async throws {
        let store = try await Seed.store()
        try await Self.withStreamServer(store: store) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=9") { stream in
                try await stream.read(events: 3)
                #expect(stream.head?.status == .ok)
                #expect(stream.head?.headers["Content-Type"] == ["text/event-stream; charset=utf-8"])
                #expect(stream.head?.headers["Cache-Control"] == ["no-cache"])
                #expect(stream.text.hasPrefix(": events after 9\n\n"))
                try await Self.append(store, "first while connected")
                try await Self.append(store, "second", "third")
                try await stream.read(events: 6)
                #expect(stream.events.map(\.id) == [10, 11, 12, 13, 14, 15])
                let views = try stream.eventViews
                #expect(views.map(\.sequence) == [10, 11, 12, 13, 14, 15])
                #expect(views.suffix(3).map(\.message) == ["first while connected", "second", "third"])
                #expect(stream.events.map(\.event) == views.map(\.kind.rawValue))
            }
        }
    }

    @Test func eachEventIsItsAPIViewOnOneLine() async throws {
        let store = try await Seed.store()
        try await Self.withStreamServer(store: store) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=11") { stream in
                try await stream.read(events: 1)
                let event = try #require(try await store.events(after: 11, limit: 1).first)
                let json = String(decoding: try APIJSON.encoder().encode(EventView(event)), as: UTF8.self)
                #expect(stream.text == ": events after 11\n\nid: 12\nevent: stage.log\ndata: \(json)\n\n")
            }
        }
    }

    @Test func aReconnectWithLastEventIDResumesExactly() async throws {
        let store = try await Seed.store()
        try await Self.withStreamServer(store: store) { port in
            let first = try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream") { stream in
                try await stream.read(events: 12)
                return stream.events.compactMap(\.id)
            }
            // Events written while no one listens, then a reconnect as EventSource does it: the same URL
            // (whose ?after= the header overrides) and the last id seen.
            try await Self.append(store, "while away 1", "while away 2")
            let second = try await EventStreamTestClient.withStream(
                port: port, path: "/api/v1/events/stream?after=0", headers: [("Last-Event-ID", "\(first.last ?? 0)")]
            ) { stream in
                try await stream.read(events: 2)
                try await Self.append(store, "after the reconnect")
                try await stream.read(events: 3)
                return stream.events.compactMap(\.id)
            }
            #expect(first == Array(1...12))
            #expect(second == [13, 14, 15])
        }
    }

    static let filters: [(query: String, expected: [Int64])] = [
        // Seed: d-0001..d-0004 created (1-4), then each one's state change and log line (5-12); checkout owns
        // d-0001, d-0003 and d-0004. New events below: 13 and 15 are checkout's d-0004, 14 is billing's d-0002.
        ("app=checkout", [1, 3, 4, 5, 6, 9, 10, 11, 12, 13, 15]),
        ("app=billing", [2, 7, 8, 14]),
        ("deployment=d-0004", [4, 11, 12, 13, 15]),
        ("deployment=d-0002&app=billing", [2, 7, 8, 14]),
        ("deployment=d-0004&after=11", [12, 13, 15]),
        ("app=nobody&limit=1", []),
    ]

    @Test(arguments: filters)
    func filtersNarrowTheStream(_ filter: (query: String, expected: [Int64])) async throws {
        let store = try await Seed.store()
        try await Self.withStreamServer(store: store) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?" + filter.query) { stream in
                try await stream.read { $0.text.contains(": events after") }
                try await Self.append(store, "checkout's")
                try await Self.append(store, "billing's", app: "billing", deployment: "d-0002")
                try await Self.append(store, "checkout's again")
                // The last event is checkout's: once it was sent (or skipped), the stream has seen them all.
                try await Task.sleep(for: .milliseconds(300))
                try await stream.read { $0.events.count >= filter.expected.count }
                #expect(stream.events.compactMap(\.id) == filter.expected)
                #expect(try stream.eventViews.map(\.sequence) == filter.expected)
            }
        }
    }

    @Test func aQuietStreamSendsHeartbeats() async throws {
        let settings = EventStreamSettings(pollInterval: .milliseconds(20), heartbeat: .milliseconds(200))
        try await Self.withStreamServer(settings: settings) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=12") { stream in
                let started = ContinuousClock.now
                let beat = try await stream.read { $0.heartbeats >= 3 }
                #expect(beat)
                #expect(ContinuousClock.now - started >= .milliseconds(550))
                #expect(stream.events.isEmpty)
            }
        }
    }

    @Test func limitEndsTheStreamAfterThatManyEvents() async throws {
        try await Self.withStreamServer { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=3&limit=2") { stream in
                try await stream.read { $0.ended }
                #expect(stream.events.compactMap(\.id) == [4, 5])
            }
        }
    }

    @Test func aFailingStoreEndsTheStreamWithAnErrorEvent() async throws {
        try await Self.withStreamServer(store: FailingDeploymentStore(message: "disk I/O error")) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream") { stream in
                try await stream.read { $0.ended }
                #expect(stream.head?.status == .ok)
                #expect(stream.blocks == [EventStreamReader.Block(
                    event: "stream.error", data: #"{"error":{"code":"store_unavailable","message":"disk I/O error"}}"#)])
            }
        }
    }

    static let badRequests: [(query: String, header: String?, message: String)] = [
        ("?after=-1", nil, "after must be an integer from 0 to \(Int64.max), not '-1'"),
        ("?limit=0", nil, "limit must be an integer from 1 to 1000000, not '0'"),
        ("?app=", nil, "app is empty; give a value or leave it out"),
        ("?deployment=a&deployment=b", nil, "deployment is given 2 times; give it once"),
        ("", "x", "Last-Event-ID must be an event sequence (an integer, 0 or more), not 'x'"),
        ("?after=3", "-4", "Last-Event-ID must be an event sequence (an integer, 0 or more), not '-4'"),
    ]

    @Test(arguments: badRequests)
    func badParametersAre400sBeforeAnythingStreams(_ bad: (query: String, header: String?, message: String)) async throws {
        try await Seed.withAPI(.router) { client in
            var headers = HTTPFields()
            if let header = bad.header { headers[HTTPField.Name("Last-Event-ID")!] = header }
            let response = try await client.execute(uri: "/api/v1/events/stream" + bad.query, method: .get, headers: headers)
            #expect(response.status == .badRequest)
            #expect(try response.apiError == ErrorBody.Detail(code: "bad_request", message: bad.message))
        }
    }

    @Test func theAPIServesTheStreamAndAnswersOtherMethodsWith405() async throws {
        try await Seed.withAPI(.live) { client in
            let head = try await client.execute(uri: "/api/v1/events/stream", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentType] == "text/event-stream; charset=utf-8")
            let post = try await client.execute(uri: "/api/v1/events/stream", method: .post)
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers[.allow] == "GET, HEAD")
            let limited = try await client.execute(uri: "/api/v1/events/stream?after=10&limit=2", method: .get)
            #expect(String(buffer: limited.body).components(separatedBy: "\nid: ").count == 3)
        }
    }
}
