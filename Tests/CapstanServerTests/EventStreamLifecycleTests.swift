import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// What open streams cost and how they end: one shared poll, nothing left behind by a client that leaves,
/// and no stream holding up a server that shuts down.
@Suite(.timeLimit(.minutes(1))) struct EventStreamLifecycleTests {
    static let settings = EventStreamSettings(pollInterval: .milliseconds(50), heartbeat: .seconds(15))

    @Test func aClientThatLeavesLeavesNothingPolling() async throws {
        let store = CountingStore(try await Seed.store())
        try await EventStreamRouteTests.withStreamServer(store: store, settings: Self.settings) { port in
            try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=12") { stream in
                try await stream.read { $0.text.contains(": events after 12") }
                // A few polls while the client is there (every 50 ms; a loaded machine may take seconds).
                for _ in 0..<400 where store.lastSequenceCalls <= 2 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(store.lastSequenceCalls > 2, "the stream polled while its client was there")
            // The server sees the connection close and cancels the stream: the polls stop. How soon depends on a
            // loaded machine's scheduling, so this asks for a quiet half second within 10 s, not at a set time.
            var quiet = false
            for _ in 0..<20 where !quiet {
                let before = store.lastSequenceCalls
                try await Task.sleep(for: .milliseconds(500))
                quiet = store.lastSequenceCalls == before
            }
            #expect(quiet, "still polling 10 s after the client left: \(store.lastSequenceCalls) polls")
        }
    }

    @Test func manyFollowersShareOnePoll() async throws {
        let store = CountingStore(try await Seed.store())
        let followers = 20
        try await EventStreamRouteTests.withStreamServer(store: store, settings: Self.settings) { port in
            try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<followers {
                    group.addTask {
                        try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=12") { stream in
                            try await stream.read(events: 1)
                            return stream.events.compactMap(\.id)
                        }
                    }
                }
                // Every follower asks once when it starts; then they wait together for a second.
                try await Task.sleep(for: .seconds(1))
                let idle = store.lastSequenceCalls
                try await store.write([], events: [
                    NewEvent(kind: .stageLog, at: Seed.at(300), app: "checkout", message: "for everyone"),
                ])
                for try await ids in group { #expect(ids == [13]) }
                // One poll per 50 ms in all (about 20 in a second), not one per follower (400).
                #expect(idle < followers + 60, "\(idle) polls for \(followers) idle followers in 1 s")
            }
        }
    }

    @Test func shuttingDownEndsOpenStreams() async throws {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let router = Router(context: CapstanRequestContext.self)
        CapstanAPI.addEventStream(to: router, store: try await Seed.store(), settings: Self.settings)
        var logger = Logger(label: "capstan-stream-shutdown-test")
        logger.logLevel = .warning
        let app = Hummingbird.Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                          onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let ended = try await EventStreamTestClient.withStream(port: port, path: "/api/v1/events/stream?after=12",
                                                                   readTimeout: .seconds(40)) { stream in
                try await stream.read { $0.text.contains(": events after 12") }
                let asked = ContinuousClock.now
                await services.triggerGracefulShutdown()
                // Left open, the stream would go on for ever (a heartbeat every 15 s keeps the reader's 40 s
                // idle limit from ending it): ending before the first heartbeat is the server's doing.
                return try await stream.read { $0.ended } && ContinuousClock.now - asked < .seconds(14)
            }
            #expect(ended)
            try await group.waitForAll()
        }
    }
}
