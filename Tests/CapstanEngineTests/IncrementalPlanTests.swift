import CapstanCore
import CapstanEngine
import CapstanTesting
import Foundation
import Testing

/// The reconciler re-decodes only the configs a commit changed (the rest come from its discovery cache): what it
/// plans over a series of commits must be what a fresh discovery of each head would give.
@Suite struct IncrementalPlanTests {
    typealias Base = RepositoryReconcilerTests

    @Test func configsAddedChangedAndRemovedAcrossCommitsAreSeen() async throws {
        let setup = try Base.Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()

        // A new application and a relabelled one: both deploy, the labels follow the config.
        try setup.repo.write("apps/charlie/capstan.yaml", Base.app("charlie"))
        try setup.repo.write("apps/charlie/service.yaml", Base.service)
        try setup.repo.write("apps/bravo/capstan.yaml", Base.app("bravo", extra: "labels: {team: b}\n"))
        try setup.repo.commit("charlie; bravo relabelled")
        let second = try await setup.reconciler.reconcile()
        let planned = try await setup.store.deployments(app: nil, state: .pending, limit: 10)
        #expect(second.created.count == 2 && Set(planned.map(\.app)) == ["bravo", "charlie"])
        #expect(try await setup.store.app("bravo")?.labels == ["team": "b"])
        try await setup.succeedAll()

        // A config made invalid is reported; one touched only through its service deploys alone.
        try setup.repo.write("apps/charlie/capstan.yaml", "apiVersion: capstan/v1\nkind: Application\n")
        try setup.repo.write("apps/alpha/service.yaml", Base.service + "replicas: 2\n")
        try setup.repo.commit("charlie broken; alpha scaled")
        let third = try await setup.reconciler.reconcile()
        #expect(third.invalid == ["apps/charlie/capstan.yaml"])
        let alpha = try await setup.store.deployments(app: "alpha", state: .pending, limit: 10)
        #expect(third.created.count == 1 && alpha.count == 1)
        #expect(try await setup.store.app("charlie")?.status == .invalidConfig)
        try await setup.succeedAll()

        // Fixed again, under a new name; and alpha removed: nothing plans it any more.
        try setup.repo.write("apps/charlie/capstan.yaml", Base.app("delta"))
        try setup.repo.remove("apps/alpha")
        try setup.repo.commit("charlie renamed delta; alpha gone")
        let fourth = try await setup.reconciler.reconcile()
        #expect(fourth.invalid.isEmpty)
        let pending = try await setup.store.deployments(app: nil, state: .pending, limit: 10)
        #expect(Set(pending.map(\.app)) == ["delta"] && fourth.created.count == 1)
        try await setup.succeedAll()

        // Touching bravo's service now deploys bravo alone: the cache has no alpha and no stale charlie.
        try setup.repo.write("apps/bravo/service.yaml", Base.service + "replicas: 3\n")
        try setup.repo.commit("bravo scaled")
        let fifth = try await setup.reconciler.reconcile()
        let last = try await setup.store.deployments(app: nil, state: .pending, limit: 10)
        #expect(fifth.created.count == 1 && last.map(\.app) == ["bravo"] && fifth.invalid.isEmpty)
    }
}
