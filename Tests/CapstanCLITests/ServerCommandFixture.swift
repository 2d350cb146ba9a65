import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// A real Capstan API on a loopback port, serving a small seeded store, for the server commands' tests.
enum ServerFixture {
    /// 2025-03-01T12:00:00.250000Z
    static let t0 = Date(timeIntervalSince1970: 1_740_830_400.25)
    static func commit(_ digit: Character) -> CommitID { CommitID(String(repeating: digit, count: 40))! }
    static let running = DeploymentID(rawValue: "d-0002")

    /// Two apps, two deployments of checkout (the second running, with stages), five events.
    static func store() async throws -> MemoryDeploymentStore {
        let store = MemoryDeploymentStore()
        try await store.write([
            .upsertApp(AppRecord(name: "checkout", repository: "platform", configPath: "apps/checkout/capstan.yaml",
                                 status: .outOfSync, lastDeployedCommit: commit("a"), summary: "1 of 2 replicas at aaaaaaa",
                                 diff: "-replicas: 2\n+replicas: 1", updatedAt: t0.addingTimeInterval(60))),
            .upsertApp(AppRecord(name: "billing", repository: "platform", configPath: "apps/billing/capstan.yaml",
                                 updatedAt: t0)),
        ], events: [])
        let first = Deployment(id: DeploymentID(rawValue: "d-0001"), app: "checkout", commit: commit("a"), previousCommit: nil,
                               trigger: .commit, strategy: .quick, state: .success, createdAt: t0,
                               updatedAt: t0.addingTimeInterval(5))
        let second = Deployment(id: running, app: "checkout", commit: commit("c"), previousCommit: commit("a"),
                                trigger: .manual, strategy: .pipeline, state: .running, createdAt: t0.addingTimeInterval(30),
                                updatedAt: t0.addingTimeInterval(40))
        let stages = [
            StageRecord(deployment: running, index: 0, kind: .canaryRollout, options: .object(["replicas": .number(1)]),
                        state: .success, attempts: 1, startedAt: t0.addingTimeInterval(31),
                        finishedAt: t0.addingTimeInterval(35)),
            StageRecord(deployment: running, index: 1, kind: .waitApproval, state: .running, attempts: 1,
                        startedAt: t0.addingTimeInterval(36)),
            StageRecord(deployment: running, index: 2, kind: .rollback),
        ]
        try await store.write([.insertDeployment(first, stages: [])], events: [
            event(.deploymentCreated, 0, first.id, "d-0001 created for aaaaaaa"),
            event(.deploymentStateChanged, 5, first.id, "d-0001 is SUCCESS"),
        ])
        try await store.write([.insertDeployment(second, stages: stages)], events: [
            event(.deploymentCreated, 30, running, "d-0002 created for ccccccc"),
            event(.stageStateChanged, 35, running, "CANARY_ROLLOUT succeeded", stage: 0),
            event(.stageStateChanged, 36, running, "WAIT_APPROVAL is waiting", stage: 1),
        ])
        return store
    }

    static func event(_ kind: EventKind, _ seconds: Double, _ deployment: DeploymentID, _ message: String,
                      stage: Int? = nil) -> NewEvent {
        NewEvent(kind: kind, at: t0.addingTimeInterval(seconds), app: "checkout", deployment: deployment, stageIndex: stage,
                 message: message)
    }

    /// Serves `store` (a freshly seeded one by default) on 127.0.0.1, port 0, while `body` runs with its URL;
    /// `commands` and `syncCommands` carry out the commands (none: the server answers them 503); `auth`
    /// puts them (and reads, as it says) behind tokens.
    static func withServer<T: Sendable>(store: (any DeploymentStore)? = nil, commands: (any DeploymentCommands)? = nil,
                                        syncCommands: (any SyncCommands)? = nil, auth: AuthConfiguration? = nil,
                                        _ body: @Sendable (String) async throws -> T) async throws -> T {
        try await withServer(store: store, commands: commands, syncCommands: syncCommands, auth: auth) { url, _ in
            try await body(url)
        }
    }

    /// Like ``withServer(store:commands:_:)``; `body` also gets a function that stops the server early.
    static func withServer<T: Sendable>(store: (any DeploymentStore)? = nil, commands: (any DeploymentCommands)? = nil,
                                        syncCommands: (any SyncCommands)? = nil, auth: AuthConfiguration? = nil,
                                        _ body: @Sendable (String, @Sendable () async -> Void) async throws -> T)
        async throws -> T {
        let served: any DeploymentStore
        if let store { served = store } else { served = try await Self.store() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "capstan-test-server")
        logger.logLevel = .warning
        let app = CapstanAPI.application(store: served, port: 0, logger: logger, commands: commands,
                                         syncCommands: syncCommands, auth: auth, onListening: { continuation.yield($0) })
        let services = ServiceGroup(services: [app], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let result = try await body("http://127.0.0.1:\(port)") { await services.triggerGracefulShutdown() }
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }
}

/// What a command printed and returned.
struct CommandResult: Sendable {
    let status: Int32
    let out: String
    let err: String
}

/// Parses `arguments` as a `capstan` command line and runs the server command it names, in-process, at
/// `now` (100 s after the fixture's first record, unless given).
func capstan(_ arguments: [String], now: Date = ServerFixture.t0.addingTimeInterval(100)) async throws -> CommandResult {
    let console = Console.capturing(now: { now })
    let status: Int32
    if let command = try Capstan.parseAsRoot(arguments) as? any ConsoleCommand {
        status = try await command.execute(console: console)
    } else {
        Issue.record("not a command that writes to a console: \(arguments)")
        status = -1
    }
    return CommandResult(status: status, out: console.output, err: console.errors)
}

/// A server command running beside the test, so that the test can act once it has printed something — instead
/// of sleeping and hoping a loaded machine got that far.
struct BackgroundCommand: Sendable {
    let console: Console
    let task: Task<Int32, any Error>

    /// Starts `arguments` as ``capstan(_:now:)`` would run them.
    init(_ arguments: [String], now: Date = ServerFixture.t0.addingTimeInterval(100)) {
        let console = Console.capturing(now: { now })
        self.console = console
        task = Task {
            guard let command = try Capstan.parseAsRoot(arguments) as? any ConsoleCommand else {
                throw CommandFixtureError("not a command that writes to a console: \(arguments)")
            }
            return try await command.execute(console: console)
        }
    }

    /// Waits (up to 20 s) until what the command printed so far satisfies `printed`; throws otherwise.
    func waitUntil(_ what: String, _ printed: (_ out: String, _ err: String) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !printed(console.output, console.errors) {
            guard ContinuousClock.now < deadline else {
                throw CommandFixtureError("gave up waiting for \(what); out: \(console.output) err: \(console.errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the command to end.
    func result() async throws -> CommandResult {
        CommandResult(status: try await task.value, out: console.output, err: console.errors)
    }
}

struct CommandFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
