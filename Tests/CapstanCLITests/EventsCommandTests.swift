import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// `capstan events`, with and without `--follow`, against a real server on loopback.
@Suite struct EventsCommandTests {
    @Test func listsEventsAfterASequence() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["events", "--after", "3", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                     4  2025-03-01T12:00:35.250000Z  stage.state_changed       checkout  d-0002/0  CANARY_ROLLOUT succeeded
                     5  2025-03-01T12:00:36.250000Z  stage.state_changed       checkout  d-0002/1  WAIT_APPROVAL is waiting

                """)
        }
    }

    @Test func listsEventsAsAJSONArray() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["events", "--limit", "2", "--server", server, "--output", "json"])
            let events = try APIJSON.decoder().decode([EventView].self, from: Data(result.out.utf8))
            #expect(events.map(\.sequence) == [1, 2])
        }
    }

    @Test func followPrintsNewEventsAsTheyArriveUntilMaxEvents() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            async let followed = capstan(["events", "--follow", "--after", "3", "--max-events", "4",
                                          "--server", server, "--output", "json"])
            try await Task.sleep(for: .milliseconds(300))
            try await store.write([], events: [ServerFixture.event(.stageLog, 50, ServerFixture.running, "waiting for alice")])
            try await Task.sleep(for: .milliseconds(200))
            try await store.write([], events: [
                ServerFixture.event(.approvalRecorded, 60, ServerFixture.running, "alice approved"),
                ServerFixture.event(.stageLog, 61, ServerFixture.running, "never printed: beyond --max-events"),
            ])
            let result = try await followed
            #expect(result.status == 0)
            let lines = result.out.split(separator: "\n")
            let events = try lines.map { try APIJSON.decoder().decode(EventView.self, from: Data($0.utf8)) }
            #expect(events.map(\.sequence) == [4, 5, 6, 7])
            #expect(events.last?.message == "alice approved")
        }
    }

    @Test func followingAsYAMLPrintsOneDocumentPerEvent() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["events", "--follow", "--max-events", "2", "--server", server, "--output", "yaml"])
            #expect(result.status == 0)
            #expect(result.out.components(separatedBy: "---\n").count == 3)
            #expect(result.out.contains("sequence: 2\n"))
        }
    }

    @Test func followStopsWithAnErrorWhenTheServerGoesAway() async throws {
        try await ServerFixture.withServer { server, stop in
            async let followed = capstan(["events", "--follow", "--server", server, "--retry-for", "0.5"])
            try await Task.sleep(for: .milliseconds(300))
            await stop()
            let result = try await followed
            #expect(result.status == 2)
            #expect(result.out.split(separator: "\n").count == 5)
            #expect(result.err.hasPrefix("capstan events: cannot reach the Capstan server at \(server)"), "\(result.err)")
        }
    }
}

extension EventsCommandTests {
    @Test func followNarrowedToADeploymentPrintsOnlyItsEvents() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            async let followed = capstan(["events", "--follow", "--deployment", "d-0001", "--max-events", "3",
                                          "--server", server])
            try await Task.sleep(for: .milliseconds(300))
            let first = DeploymentID(rawValue: "d-0001")
            try await store.write([], events: [
                ServerFixture.event(.stageLog, 50, ServerFixture.running, "not d-0001's"),
                ServerFixture.event(.stageLog, 51, first, "d-0001's late line"),
            ])
            let result = try await followed
            #expect(result.status == 0)
            #expect(result.out == """
                     1  2025-03-01T12:00:00.250000Z  deployment.created        checkout  d-0001  d-0001 created for aaaaaaa
                     2  2025-03-01T12:00:05.250000Z  deployment.state_changed  checkout  d-0001  d-0001 is SUCCESS
                     7  2025-03-01T12:00:51.250000Z  stage.log                 checkout  d-0001  d-0001's late line

                """)
        }
    }

    @Test func followResumesAfterTheServerComesBackWithoutLosingOrRepeatingEvents() async throws {
        let store = try await ServerFixture.store()
        let port = try await ServerFixture.withServer(store: store) { server in Int(server.split(separator: ":").last ?? "") ?? 0 }
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        let result = try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask {
                defer { finished.finish() }
                return try await capstan(["events", "--follow", "--max-events", "8", "--retry-for", "20",
                                          "--server", "http://127.0.0.1:\(port)", "--output", "json"])
            }
            group.addTask {
                // The same port served twice, with a gap, by two servers over one store.
                try await Self.serve(store, port: port) {
                    try await Task.sleep(for: .milliseconds(400))
                    try await store.write([], events: [ServerFixture.event(.stageLog, 50, ServerFixture.running, "six")])
                    try await Task.sleep(for: .milliseconds(300))
                }
                try await store.write([], events: [ServerFixture.event(.stageLog, 51, ServerFixture.running, "seven, while down")])
                try await Task.sleep(for: .milliseconds(500))
                try await Self.serve(store, port: port) {
                    try await store.write([], events: [ServerFixture.event(.stageLog, 52, ServerFixture.running, "eight")])
                    for await _ in done {}
                }
                return nil
            }
            var result: CommandResult?
            for try await finished in group where finished != nil { result = finished }
            return try #require(result)
        }
        #expect(result.status == 0, "\(result.err)")
        let events = try result.out.split(separator: "\n").map { try APIJSON.decoder().decode(EventView.self, from: Data($0.utf8)) }
        #expect(events.map(\.sequence) == Array(1...8))
    }

    /// Serves `store` on `port` while `body` runs, then shuts down (ending open streams).
    static func serve(_ store: MemoryDeploymentStore, port: Int, _ body: @Sendable () async throws -> Void) async throws {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "capstan-test-server")
        logger.logLevel = .warning
        let app = CapstanAPI.application(store: store, port: port, logger: logger, onListening: { listening.yield($0) })
        let services = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            _ = await iterator.next()
            do {
                try await body()
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

/// Where the commands look for the server, and what they do when it is not there or fails.
@Suite struct ServerConnectionTests {
    @Test func anUnreachableServerExits2WithAMessage() async throws {
        let result = try await capstan(["apps", "--server", "http://127.0.0.1:1"])
        #expect(result.status == 2)
        #expect(result.out == "")
        #expect(result.err == """
            capstan apps: cannot reach the Capstan server at http://127.0.0.1:1 (connection refused); \
            is `capstan serve` running? Point at another with --server or CAPSTAN_SERVER

            """)
    }

    @Test(arguments: [["apps"], ["app", "get", "checkout"], ["deployments"], ["deployment", "get", "d-0001"], ["events"]])
    func aFailingStoreExits2WithItsMessage(_ arguments: [String]) async throws {
        try await ServerFixture.withServer(store: FailingDeploymentStore(message: "disk I/O error")) { server in
            let result = try await capstan(arguments + ["--server", server])
            #expect(result.status == 2)
            #expect(result.err.hasSuffix(": the server's store is unavailable (503): disk I/O error\n"))
        }
    }

    @Test func theServerComesFromTheFlagThenTheEnvironmentThenTheDefault() throws {
        let flagged = try ServerOptions.parse(["--server", "http://flag:1"])
        #expect(try flagged.serverURL(environment: ["CAPSTAN_SERVER": "http://env:2"]).absoluteString == "http://flag:1")
        let plain = try ServerOptions.parse([])
        #expect(try plain.serverURL(environment: ["CAPSTAN_SERVER": "http://env:2"]).absoluteString == "http://env:2")
        #expect(try plain.serverURL(environment: ["CAPSTAN_SERVER": ""]).absoluteString == "http://127.0.0.1:8080")
        #expect(try plain.serverURL(environment: [:]).absoluteString == "http://127.0.0.1:8080")
        #expect(throws: (any Error).self) { try plain.serverURL(environment: ["CAPSTAN_SERVER": "localhost:8080"]) }
    }
}
