import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// The reconciler keeps each application's labels on its record (notifications filter on them without Git).
@Suite struct AppLabelsTests {
    @Test func labelsAreRecordedWithTheFirstDeploymentAndFollowTheConfig() async throws {
        let setup = try RepositoryReconcilerTests.Setup(extra: "labels: {team: payments, tier: 1}\n")
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        #expect(try await setup.store.app("alpha")?.labels == ["team": "payments", "tier": "1"])
        #expect(try await setup.store.app("bravo")?.labels == [:])

        try await setup.succeedAll()
        try setup.repo.write("apps/alpha/capstan.yaml",
                             RepositoryReconcilerTests.app("alpha", extra: "labels: {team: checkout}\n"))
        try setup.repo.commit("alpha changes team")
        _ = try await setup.reconciler.reconcile()
        #expect(try await setup.store.app("alpha")?.labels == ["team": "checkout"])
    }

    @Test func labelsChangedWithSyncAutoOffAreRecordedToo() async throws {
        let setup = try RepositoryReconcilerTests.Setup()
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()
        try setup.repo.write("apps/bravo/capstan.yaml",
                             RepositoryReconcilerTests.app("bravo", extra: "labels: {env: prod}\nsync: {auto: false}\n"))
        try setup.repo.commit("bravo: labels, no auto sync")
        let outcome = try await setup.reconciler.reconcile()
        #expect(outcome.created.isEmpty)
        #expect(try await setup.store.app("bravo")?.labels == ["env": "prod"])
    }

    /// A store written before labels were kept has records without them: the first reconcile of a process
    /// fills them in for every application, deployed now or not.
    @Test func recordsWithoutLabelsAreFilledInAtTheFirstReconcile() async throws {
        let setup = try RepositoryReconcilerTests.Setup(extra: "labels: {team: payments}\n")
        defer { setup.cleanUp() }
        _ = try await setup.reconciler.reconcile()
        try await setup.succeedAll()
        var record = try #require(try await setup.store.app("alpha"))
        record.labels = [:]
        try await setup.store.write([.upsertApp(record)], events: [])

        // A new process: a new reconciler on the same mirror cache, which has not seen any head yet.
        let mirror = try GitMirror(remote: setup.repo.path.path, cacheDirectory: setup.cache)
        let restarted = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: setup.repo.path.path),
                                             source: mirror, store: setup.store)
        let events = try await setup.store.lastSequence()
        let outcome = try await restarted.reconcile()
        #expect(outcome.created.isEmpty)
        #expect(try await setup.store.app("alpha")?.labels == ["team": "payments"])
        #expect(try await setup.store.app("alpha")?.status == .synced, "the status is left as it was")
        #expect(try await setup.store.lastSequence() == events, "labels are not a status: no event")
    }
}
