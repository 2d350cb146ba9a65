import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

/// A webhook's refresh cuts the poll interval short; a CI sync deploys an app at a commit on demand.
@Suite struct ControllerSyncTests {
    struct Running {
        let setup: RepositoryReconcilerTests.Setup
        let controller: Controller
        let platform = ScriptedPlatform()
        let task: Task<Void, Never>

        init(autoSync: Bool = true) throws {
            setup = try RepositoryReconcilerTests.Setup(extra: autoSync ? "" : "sync: {auto: false}\n")
            let mirror = try GitMirror(remote: setup.repo.path.path, cacheDirectory: setup.cache.appendingPathComponent("c"))
            // An hour between polls: within a test only a refresh (or the first poll) fetches.
            let reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: setup.repo.path.path,
                                                                               pollInterval: .seconds(3600)),
                                                  source: mirror, store: setup.store)
            let loader = GitContextLoader(source: mirror, store: setup.store, checkoutRoot: setup.cache.appendingPathComponent("co"))
            let runner = DeploymentRunner(store: setup.store, loader: loader, platforms: ["local": platform], clock: TestClock())
            let controller = Controller(reconcilers: [reconciler], runner: runner, store: setup.store, clock: TestClock())
            self.controller = controller
            task = Task { await controller.run() }
        }

        func stop() async {
            task.cancel()
            await task.value
            setup.cleanUp()
        }
    }

    @Test func aRefreshFetchesAtOnceInsteadOfAtTheNextPoll() async throws {
        let running = try Running()
        let store = running.setup.store
        #expect(try await ControllerTests.until { try await store.deployments(app: nil, state: .success, limit: 10).count == 2 })
        try running.setup.repo.write("apps/alpha/main.py", "print(2)\n")
        let v2 = try running.setup.repo.commit("alpha v2")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await store.app("alpha")?.lastDeployedCommit != v2, "no poll within the hour")
        await running.controller.refresh(repositories: ["apps", "unknown"])
        #expect(try await ControllerTests.until { try await store.app("alpha")?.lastDeployedCommit == v2 })
        await running.stop()
    }

    @Test func aSyncDeploysAnAppAtACommitEvenWithAutoSyncOff() async throws {
        let running = try Running(autoSync: false)
        let store = running.setup.store
        let first = try #require(CommitID(try running.setup.repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await ControllerTests.until { try await store.app("alpha")?.status == .outOfSync })
        #expect(try await store.deployments(app: "alpha", state: nil, limit: 10).isEmpty, "sync.auto is off")
        let deployment = try await running.controller.sync(app: "alpha", commit: first.short, by: "ci")
        #expect(deployment.trigger == .manual && deployment.commit == first)
        #expect(try await ControllerTests.until { try await store.app("alpha")?.lastDeployedCommit == first })
        let created = try await store.events(of: deployment.id, stage: nil, kind: .deploymentCreated, after: 0, limit: 1)
        #expect(created.first?.data["reasons"] == "synced by ci")
        await #expect(throws: StoreError.self) { try await running.controller.sync(app: "nope", commit: nil, by: "ci") }
        await #expect(throws: StoreError.self) { try await running.controller.sync(app: "alpha", commit: "no-such-ref", by: "ci") }
        await running.stop()
    }
}
