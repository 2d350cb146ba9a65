import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// The reconciler against real repositories (git CLI) mirrored through libgit2, and the in-memory store.
@Suite struct RepositoryReconcilerTests {
    static let service = "apiVersion: capstan/v1\nkind: ProcessService\nname: web\ncommand: [python3, server.py]\nport: 18080\n"

    static func app(_ name: String, extra: String = "") -> String {
        "apiVersion: capstan/v1\nkind: Application\nname: \(name)\nmanifests: [service.yaml]\n\(extra)"
    }

    /// A repository with apps alpha and bravo, a mirror of it, a store and a reconciler.
    struct Setup {
        let repo: GitFixture
        let cache: URL
        let store = MemoryDeploymentStore()
        let reconciler: RepositoryReconciler

        init(extra: String = "") throws {
            repo = try GitFixture.create()
            try repo.write("apps/alpha/capstan.yaml", RepositoryReconcilerTests.app("alpha", extra: extra))
            try repo.write("apps/bravo/capstan.yaml", RepositoryReconcilerTests.app("bravo"))
            for name in ["alpha", "bravo"] { try repo.write("apps/\(name)/service.yaml", RepositoryReconcilerTests.service) }
            try repo.commit("two apps")
            cache = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-rec-\(UUID().uuidString)")
            let mirror = try GitMirror(remote: repo.path.path, cacheDirectory: cache)
            reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: repo.path.path),
                                              source: mirror, store: store)
        }

        func cleanUp() {
            repo.delete()
            try? FileManager.default.removeItem(at: cache)
        }

        /// Marks every deployment SUCCESS and records its commit as deployed, as the executor will.
        func succeedAll() async throws {
            for deployment in try await store.deployments(app: nil, state: .pending, limit: 100) {
                var done = deployment
                done.state = .success
                var app = try #require(try await store.app(deployment.app))
                app.lastDeployedCommit = deployment.commit
                app.status = .synced
                try await store.write([.updateDeployment(done, expecting: .pending), .upsertApp(app)], events: [])
            }
        }
    }

    @Test func firstReconcileDeploysEveryAppWithQuickSync() async throws {
        let setup = try Setup(extra: "pipeline:\n  - stage: CANARY_ROLLOUT\n    with: {replicas: 1}\n  - stage: PRIMARY_ROLLOUT\n")
        defer { setup.cleanUp() }
        let outcome = try await setup.reconciler.reconcile()
        #expect(outcome.created.count == 2 && outcome.error == nil)
        let deployments = try await setup.store.deployments(app: nil, state: nil, limit: 10)
        #expect(Set(deployments.map(\.app)) == ["alpha", "bravo"])
        #expect(deployments.allSatisfy { $0.strategy == .quick && $0.state == .pending && $0.previousCommit == nil })
        let stages = try await setup.store.stages(of: deployments[0].id)
        #expect(stages.map(\.kind) == [.sync, .rollback])
        #expect(try await setup.store.app("alpha")?.status == .deploying)
    }

    @Test func aRepeatedReconcileCreatesNothingAndWalksNothing() async throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        let events = try await setup.store.lastSequence()
        let again = try await setup.reconciler.reconcile()
        #expect(again.unchanged && again.created.isEmpty)
        #expect(try await setup.store.lastSequence() == events)
    }

    @Test func aCommitDeploysOnlyTheAppItTouchesWithItsPipeline() async throws {
        let setup = try Setup(extra: "pipeline:\n  - stage: CANARY_ROLLOUT\n    with: {replicas: 1}\n  - stage: PRIMARY_ROLLOUT\n")
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()
        let deployedAt = try #require(try await setup.store.app("alpha")?.lastDeployedCommit)
        try setup.repo.write("apps/alpha/main.py", "print(2)\n")
        let v2 = try setup.repo.commit("alpha v2")
        let outcome = try await setup.reconciler.reconcile()
        #expect(outcome.created.count == 1)
        let deployment = try #require(try await setup.store.deployment(outcome.created[0]))
        #expect(deployment.app == "alpha" && deployment.commit == v2 && deployment.previousCommit == deployedAt)
        #expect(deployment.strategy == .pipeline)
        // Each stage keeps its options, so people see the weights and sizes without reading Git.
        let stages = try await setup.store.stages(of: deployment.id)
        #expect(stages.map(\.kind) == [.canaryRollout, .primaryRollout, .rollback])
        #expect(stages.first?.options == .object(["replicas": .number(1)]))
        let created = try await setup.store.events(after: 0, limit: 1000).last { $0.kind == .deploymentCreated }
        #expect(created?.data["reasons"] == "apps/alpha/main.py")
    }

    @Test func aNewerCommitSupersedesAPendingDeployment() async throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try setup.repo.write("apps/bravo/main.py", "print(2)\n")
        let v2 = try setup.repo.commit("bravo v2")
        _ = try await setup.reconciler.reconcile()
        let bravo = try await setup.store.deployments(app: "bravo", state: nil, limit: 10)
        #expect(bravo.count == 2)
        let old = try #require(bravo.first { $0.commit != v2 })
        #expect(old.state == .cancelled)
        #expect(old.reason == "superseded by \(bravo.first { $0.commit == v2 }!.id)")
        #expect(try await setup.store.stages(of: old.id).allSatisfy { $0.state == .skipped })
    }

    @Test func anInvalidConfigDeploysNothingAndSaysWhere() async throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()
        try setup.repo.write("apps/alpha/capstan.yaml", Self.app("alpha", extra: "strategy: canary\n"))
        try setup.repo.write("apps/bravo/service.yaml", Self.service.replacingOccurrences(of: "18080", with: "http"))
        try setup.repo.commit("break both")
        let outcome = try await setup.reconciler.reconcile()
        #expect(outcome.created.isEmpty)
        let alpha = try #require(try await setup.store.app("alpha"))
        #expect(alpha.status == .invalidConfig)
        #expect(alpha.summary == "apps/alpha/capstan.yaml:5:11: strategy: expected one of auto, quick, pipeline, got \"canary\"")
        let bravo = try #require(try await setup.store.app("bravo"))
        #expect(bravo.status == .invalidConfig)
        #expect(bravo.summary == "apps/bravo/service.yaml:5:7: port: expected an integer, got \"http\"")
    }

    @Test func invalidConfigIsReassertedWhenAnotherWriterReplacedIt() async throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()
        try setup.repo.write("apps/alpha/capstan.yaml", Self.app("alpha", extra: "strategy: canary\n"))
        try setup.repo.commit("break alpha")
        _ = try await setup.reconciler.reconcile()
        var alpha = try #require(try await setup.store.app("alpha"))
        alpha.status = .synced  // e.g. a drift pass that read the record before the reconciler wrote it
        try await setup.store.write([.upsertApp(alpha)], events: [])
        let again = try await setup.reconciler.reconcile()
        #expect(again.unchanged)
        #expect(try await setup.store.app("alpha")?.status == .invalidConfig)
    }

    @Test func syncAutoOffLeavesTheAppOutOfSync() async throws {
        let setup = try Setup(extra: "sync: {auto: false}\n")
        defer { setup.cleanUp() }
        let outcome = try await setup.reconciler.reconcile()
        #expect(outcome.created.count == 1)
        #expect(try await setup.store.app("alpha")?.status == .outOfSync)
    }

    @Test func anUnreachableRemoteIsOneEventAndRecoveryAnother() async throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        let moved = setup.repo.path.deletingLastPathComponent().appendingPathComponent("moved-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: setup.repo.path, to: moved)
        let first = try await setup.reconciler.reconcile()
        let second = try await setup.reconciler.reconcile()
        #expect(first.error?.code == .unreachable && second.error?.code == .unreachable)
        try FileManager.default.moveItem(at: moved, to: setup.repo.path)
        let back = try await setup.reconciler.reconcile()
        #expect(back.error == nil && back.unchanged)
        let kinds = try await setup.store.events(after: 0, limit: 1000).map(\.kind)
        #expect(kinds.filter { $0 == .repositoryError }.count == 1)
        #expect(kinds.last == .repositoryPolled)
    }
}
