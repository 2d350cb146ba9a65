import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanPluginKit
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// A target whose live state the test sets (the process plugin's own tests check real live state).
final class SettableLiveState: LiveStateSource {
    private let state = Mutex<[String: LiveState]>([:])
    private let failing = Mutex(false)

    func set(_ live: LiveState) { state.withLock { $0[live.app] = live } }
    func fail(_ value: Bool) { failing.withLock { $0 = value } }

    func liveState(app: String, deployedCommit: CommitID?) async throws(PluginError) -> LiveState {
        if failing.withLock({ $0 }) { throw PluginError(code: .timeout, plugin: "settable", message: "no answer") }
        return state.withLock { $0[app] } ?? LiveState(app: app)
    }
}

@Suite struct DriftTests {
    static let commit = CommitID(String(repeating: "c", count: 40))!
    static let other = CommitID(String(repeating: "d", count: 40))!
    static let service = ProcessService(name: "web", command: ["python3"], replicas: 2, port: 18080)

    static func live(commit: CommitID = commit, replicas: Int = 2, ready: Int = 2, variant: Variant = .primary,
                     name: String = "web") -> LiveResource {
        LiveResource(kind: "ProcessService", name: name, variant: variant, commit: commit, replicas: replicas,
                     readyReplicas: ready, health: ready == replicas ? .healthy : .degraded)
    }

    @Test func syncedWhenWhatRunsIsWhatGitSays() {
        let verdict = DriftJudge.judge(desired: [.processService(Self.service)], commit: Self.commit,
                                       live: LiveState(app: "web", resources: [Self.live()]))
        #expect(verdict.status == .synced && verdict.diff.isEmpty)
        #expect(verdict.summary == "ProcessService/web 2/2 ready at ccccccc")
    }

    @Test(arguments: [
        ([live(ready: 1)], "ProcessService/web: 1 of 2 replicas ready"),
        ([live(commit: other)], "ProcessService/web: runs ddddddd, want ccccccc"),
        ([live(replicas: 3, ready: 3)], "ProcessService/web: 3 replicas, want 2"),
        ([], "ProcessService/web: not running (want 2 at ccccccc)"),
        ([live(), live(variant: .canary)], "ProcessService/web: a canary variant is still running"),
        ([live(), live(name: "stray")], "ProcessService/stray: runs but is not in Git"),
    ])
    func outOfSyncSaysWhy(resources: [LiveResource], expected: String) {
        let verdict = DriftJudge.judge(desired: [.processService(Self.service)], commit: Self.commit,
                                       live: LiveState(app: "web", resources: resources))
        #expect(verdict.status == .outOfSync)
        #expect(verdict.diff == [expected])
    }

    @Test func detectorRecordsStatusAndSelfHealsOncePerWindow() async throws {
        let repo = try GitFixture.create()
        defer { repo.delete() }
        try repo.write("apps/web/capstan.yaml", RepositoryReconcilerTests.app("web", extra: "sync: {selfHeal: true}\n"))
        try repo.write("apps/web/service.yaml", RepositoryReconcilerTests.service)
        let deployed = try repo.commit("web")
        let store = MemoryDeploymentStore()
        try await store.write([.upsertApp(AppRecord(name: "web", repository: "apps", configPath: "apps/web/capstan.yaml",
                                                     status: .synced, lastDeployedCommit: deployed, updatedAt: Date()))],
                              events: [])
        let reader = GitContextLoader(source: try GitRepository(path: repo.path), store: store,
                                      checkoutRoot: repo.path.appendingPathComponent(".unused"))
        let target = SettableLiveState()
        let clockTime = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let detector = DriftDetector(store: store, readers: ["apps": reader], platforms: ["local": target],
                                     selfHealWindow: .seconds(60), now: { clockTime.withLock { $0 } })
        target.set(LiveState(app: "web", resources: [Self.live(commit: deployed, replicas: 1, ready: 1)]))
        #expect(try await detector.check() == ["web": .synced])

        target.set(LiveState(app: "web", resources: [Self.live(commit: deployed, replicas: 1, ready: 0)]))
        #expect(try await detector.check() == ["web": .outOfSync])
        let record = try #require(try await store.app("web"))
        #expect(record.diff == "ProcessService/web: 0 of 1 replicas ready")
        let heals = try await store.deployments(app: "web", state: .pending, limit: 10)
        #expect(heals.count == 1 && heals[0].trigger == .selfHeal && heals[0].commit == deployed)

        // While the heal is pending the app is DEPLOYING; once it is gone, no second heal within the window.
        #expect(try await detector.check() == ["web": .deploying])
        var done = heals[0]
        done.state = .success
        try await store.write([.updateDeployment(done, expecting: .pending)], events: [])
        #expect(try await detector.check() == ["web": .outOfSync])
        #expect(try await store.deployments(app: "web", state: .pending, limit: 10).isEmpty)
        clockTime.withLock { $0 = $0.addingTimeInterval(61) }
        _ = try await detector.check()
        #expect(try await store.deployments(app: "web", state: .pending, limit: 10).count == 1)

        target.fail(true)
        done = try #require(try await store.deployments(app: "web", state: .pending, limit: 1).first)
        done.state = .success
        try await store.write([.updateDeployment(done, expecting: .pending)], events: [])
        #expect(try await detector.check() == ["web": .unknown])
        #expect(try await store.app("web")?.summary?.contains("did not answer") == true)
    }
}
