import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

/// The controller end to end inside the engine: a real repository, the real reconciler and runner, a
/// scripted platform, and the test clock driving the poll interval.
@Suite struct ControllerTests {
    /// Waits (real time, bounded) until `condition` holds.
    static func until(_ condition: () async throws -> Bool) async rethrows -> Bool {
        for _ in 0..<500 {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test func pollsDeploysAndDeploysAgainAfterAPush() async throws {
        let setup = try RepositoryReconcilerTests.Setup()
        defer { setup.cleanUp() }
        let clock = TestClock()
        let platform = ScriptedPlatform()
        let mirror = try GitMirror(remote: setup.repo.path.path, cacheDirectory: setup.cache.appendingPathComponent("c"))
        let reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: setup.repo.path.path,
                                                                           pollInterval: .seconds(30)),
                                              source: mirror, store: setup.store)
        let loader = GitContextLoader(source: mirror, store: setup.store, checkoutRoot: setup.cache.appendingPathComponent("co"))
        let runner = DeploymentRunner(store: setup.store, loader: loader, platforms: ["local": platform], clock: clock)
        let controller = Controller(reconcilers: [reconciler], runner: runner, store: setup.store, clock: clock)
        let task = Task { await controller.run() }

        let store = setup.store
        #expect(try await Self.until { try await store.deployments(app: nil, state: .success, limit: 10).count == 2 })
        try setup.repo.write("apps/alpha/main.py", "print(2)\n")
        let v2 = try setup.repo.commit("alpha v2")
        clock.advance(by: .seconds(30))
        #expect(try await Self.until { try await store.app("alpha")?.lastDeployedCommit == v2 })
        #expect(try await store.app("bravo")?.lastDeployedCommit != v2, "bravo was not touched")
        #expect(platform.calls.map(\.stage) == [.sync, .sync, .sync])
        task.cancel()
        await task.value
        let events = try await store.events(after: 0, limit: 1000)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
    }

    @Test func oneDeploymentPerApplicationAtATime() async throws {
        let setup = try RepositoryReconcilerTests.Setup()
        defer { setup.cleanUp() }
        let platform = ScriptedPlatform([.sync: .hang])
        let mirror = try GitMirror(remote: setup.repo.path.path, cacheDirectory: setup.cache.appendingPathComponent("c"))
        let reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: setup.repo.path.path),
                                              source: mirror, store: setup.store)
        let loader = GitContextLoader(source: mirror, store: setup.store, checkoutRoot: setup.cache.appendingPathComponent("co"))
        let runner = DeploymentRunner(store: setup.store, loader: loader, platforms: ["local": platform], clock: TestClock())
        let controller = Controller(reconcilers: [reconciler], runner: runner, store: setup.store, clock: TestClock())
        let task = Task { await controller.run() }
        #expect(await Self.until { platform.calls.count == 2 })
        _ = try await reconciler.reconcile()
        try await Task.sleep(for: .milliseconds(100))
        #expect(platform.calls.count == 2, "no second run of a busy application")
        #expect(controller.busyApps == ["alpha", "bravo"])
        task.cancel()
        await task.value
        // Shutdown leaves the interrupted stages RUNNING, to be resumed by the next process.
        let running = try await setup.store.deployments(app: nil, state: .running, limit: 10)
        #expect(running.count == 2)
    }
}
