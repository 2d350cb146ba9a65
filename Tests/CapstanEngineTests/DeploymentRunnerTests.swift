import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// A platform that records each stage it is asked to run and answers from a script.
/// (The executor's own logic is tested here; the real plugins have end-to-end tests of their own.)
final class ScriptedPlatform: StagePlatform {
    enum Reply: Sendable { case success, failure(String), error(PluginError.Code), hang }
    private let state = Mutex<(calls: [ExecuteStageParams], replies: [StageKind: Reply], finished: [FinishDeploymentParams])>(
        ([], [:], []))

    init(_ replies: [StageKind: Reply] = [:]) { state.withLock { $0.replies = replies } }

    var calls: [ExecuteStageParams] { state.withLock { $0.calls } }
    var finished: [FinishDeploymentParams] { state.withLock { $0.finished } }

    func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError) {
        state.withLock { $0.finished.append(params) }
    }

    func executeStage(_ params: ExecuteStageParams, timeout: Duration?) async throws(PluginError) -> ExecuteStageResult {
        let reply = state.withLock { state in
            state.calls.append(params)
            return state.replies[params.stage] ?? .success
        }
        switch reply {
        case .success: return .success(logs: [LogLine("ran \(params.stage.rawValue)")])
        case .failure(let reason): return .failure(reason)
        case .error(let code): throw PluginError(code: code, plugin: "scripted", message: "plugin went away")
        case .hang:
            try? await Task.sleep(for: .seconds(3600))
            throw PluginError(code: .cancelled, plugin: "scripted", message: "cancelled")
        }
    }
}

struct FixedContext: DeploymentContextLoader {
    let app: DiscoveredApp
    var unreadable = false
    func context(for deployment: Deployment) async throws -> DeploymentContext {
        if unreadable { throw StoreError.notFound("apps/web/capstan.yaml") }
        return DeploymentContext(app: app, appDirectory: "/srv/\(deployment.commit.short)", manifests: ["service.yaml": "kind: x"])
    }
}

@Suite struct DeploymentRunnerTests {
    static let v1 = CommitID(String(repeating: "1", count: 40))!
    static let v2 = CommitID(String(repeating: "2", count: 40))!
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    struct Setup {
        let store = MemoryDeploymentStore()
        let clock = TestClock()
        let platform: ScriptedPlatform
        let runner: DeploymentRunner
        let app: DiscoveredApp

        init(pipeline: [StageSpec] = [], replies: [StageKind: ScriptedPlatform.Reply] = [:]) throws {
            platform = ScriptedPlatform(replies)
            app = try AppFixtures.app("web", folder: "apps/web", pipeline: pipeline)
            runner = DeploymentRunner(store: store, loader: FixedContext(app: app), platforms: ["local": platform],
                                      clock: clock, now: { DeploymentRunnerTests.t0 })
        }

        /// Records a PENDING deployment of v2 over v1, as the reconciler does.
        func create(strategy: PlannedStrategy) async throws -> DeploymentID {
            let deployment = Deployment(id: .random(), app: "web", commit: v2, previousCommit: v1, trigger: .commit,
                                        strategy: strategy, createdAt: t0)
            let (_, t) = DeploymentMachine.create(deployment, stages: Planner.stages(for: app.spec, strategy: strategy),
                                                  autoRollback: true)
            let record = AppRecord(name: "web", repository: "apps", configPath: app.configPath, status: .deploying,
                                   lastDeployedCommit: v1, updatedAt: t0)
            try await store.write(t.changes + [.upsertApp(record)], events: t.events)
            return deployment.id
        }
    }

    @Test func quickSyncRunsSyncAndRecordsTheDeployedCommit() async throws {
        let setup = try Setup()
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .success)
        #expect(setup.platform.calls.map(\.stage) == [.sync])
        let call = try #require(setup.platform.calls.first)
        #expect(call.appDirectory == "/srv/2222222" && call.attempt == 1 && call.previousCommit == Self.v1)
        let app = try #require(try await setup.store.app("web"))
        #expect(app.lastDeployedCommit == Self.v2 && app.status == .synced)
        let events = try await setup.store.events(after: 0, limit: 100)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
        #expect(events.map(\.message).contains("ran SYNC"))
        #expect(events.last?.kind == .appStatusChanged)
        #expect(try await setup.store.stages(of: id).map(\.state) == [.success, .skipped])
        #expect(setup.platform.finished.map { [$0.deploymentId.rawValue, $0.state.rawValue, "\($0.rolledBack)"] }
            == [[id.rawValue, "SUCCESS", "false"]])
    }

    @Test func waitRunsOnTheInjectedClock() async throws {
        let pipeline = [StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
                        StageSpec(.wait, options: .wait(duration: .seconds(300))), StageSpec(.primaryRollout)]
        let setup = try Setup(pipeline: pipeline)
        let id = try await setup.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while setup.clock.pendingSleeps != [.seconds(300)] { await Task.yield() }
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout])
        setup.clock.advance(by: .seconds(300))
        #expect(try await run.value == .success)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .primaryRollout])
        #expect(setup.platform.calls[0].options == .object(["replicas": .number(1)]))
    }

    @Test func aFailedStageRollsBackToThePreviousCommit() async throws {
        let pipeline = [StageSpec(.canaryRollout), StageSpec(.primaryRollout)]
        let setup = try Setup(pipeline: pipeline, replies: [.primaryRollout: .failure("instances never became ready")])
        let id = try await setup.create(strategy: .pipeline)
        #expect(try await setup.runner.run(id) == .failure)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .primaryRollout, .rollback])
        let deployment = try #require(try await setup.store.deployment(id))
        #expect(deployment.reason == "stage 1 PRIMARY_ROLLOUT failed: instances never became ready")
        let app = try #require(try await setup.store.app("web"))
        #expect(app.lastDeployedCommit == Self.v1 && app.status == .outOfSync)
        #expect(setup.platform.finished.map { "\($0.state.rawValue) \($0.rolledBack)" } == ["FAILURE true"])
    }

    @Test func aPluginErrorIsAFailureWithItsReason() async throws {
        let setup = try Setup(replies: [.sync: .error(.exited)])
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .failure)
        #expect(try await setup.store.deployment(id)?.reason?.contains("plugin went away") == true)
    }

    @Test func aStageTimeoutFailsItOnTheInjectedClock() async throws {
        let pipeline = [StageSpec(.canaryRollout, timeout: .seconds(30))]
        let setup = try Setup(pipeline: pipeline, replies: [.canaryRollout: .hang])
        let id = try await setup.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while setup.clock.pendingSleeps != [.seconds(30)] { await Task.yield() }
        setup.clock.advance(by: .seconds(30))
        #expect(try await run.value == .failure)
        #expect(try await setup.store.deployment(id)?.reason == "stage 0 CANARY_ROLLOUT failed: timed out after 30s")
        #expect(setup.platform.calls.last?.stage == .rollback)
    }

    @Test func anInterruptedDeploymentResumesItsRunningStageWithANewAttempt() async throws {
        let pipeline = [StageSpec(.canaryRollout), StageSpec(.primaryRollout)]
        let setup = try Setup(pipeline: pipeline)
        let id = try await setup.create(strategy: .pipeline)
        // A server got as far as starting stage 0, then died.
        var machine = DeploymentMachine(deployment: try #require(try await setup.store.deployment(id)),
                                        stages: try await setup.store.stages(of: id), autoRollback: true)
        for input in [DeploymentMachine.Input.plan, .start] {
            let t = try machine.handle(input, at: Self.t0)
            try await setup.store.write(t.changes, events: t.events)
        }
        #expect(try await setup.runner.run(id) == .success)
        #expect(setup.platform.calls.map(\.attempt) == [2, 1])
        #expect(try await setup.store.stages(of: id).map(\.attempts) == [2, 1, 0])
    }

    @Test func anInterruptedStageIsRetriedThenFails() async throws {
        let setup = try Setup(replies: [.sync: .error(.interrupted)])
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .failure)
        #expect(setup.platform.calls.filter { $0.stage == .sync }.map(\.attempt) == [1, 2, 3])
        #expect(try await setup.store.deployment(id)?.reason?.hasPrefix("stage 0 SYNC failed: interrupted 3 times") == true)
    }

    @Test func aShutdownLeavesTheStageRunningForTheNextRun() async throws {
        let setup = try Setup(replies: [.sync: .error(.shutDown)])
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .running)
        #expect(try await setup.store.stages(of: id).first?.state == .running)
    }

    @Test func aDeploymentThatCannotBeReadFailsInsteadOfHanging() async throws {
        let setup = try Setup()
        let id = try await setup.create(strategy: .quick)
        let runner = DeploymentRunner(store: setup.store, loader: FixedContext(app: setup.app, unreadable: true),
                                      platforms: ["local": setup.platform], clock: setup.clock, now: { Self.t0 })
        #expect(try await runner.run(id) == .failure)
        #expect(setup.platform.calls.isEmpty)
        let deployment = try #require(try await setup.store.deployment(id))
        #expect(deployment.reason == "cannot read the application at 2222222: not found: apps/web/capstan.yaml")
        #expect(try await setup.store.app("web")?.status == .outOfSync)
    }
}
