import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

/// Rollback and cancel by hand, while the runner is in a stage or when nobody runs the deployment.
@Suite struct DeploymentCommandTests {
    typealias Setup = DeploymentRunnerTests.Setup
    static let pipeline = [StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
                           StageSpec(.wait, options: .wait(duration: .seconds(300))), StageSpec(.primaryRollout)]

    /// Starts the pipeline and returns once it waits in WAIT.
    func startAndWait(_ setup: Setup) async throws -> (DeploymentID, Task<DeploymentState, any Error>) {
        let id = try await setup.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while setup.clock.pendingSleeps != [.seconds(300)] { await Task.yield() }
        return (id, run)
    }

    @Test func aRollbackDuringWaitRunsRollbackAtOnceAndEndsFailure() async throws {
        let setup = try Setup(pipeline: Self.pipeline)
        let (id, run) = try await startAndWait(setup)
        let answered = try await setup.runner.command(id, .rollback(by: "alice"))
        #expect(answered.state == .rollingBack && answered.reason == "rolled back by alice")
        #expect(try await run.value == .failure)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .rollback])
        #expect(try await setup.store.stages(of: id).map(\.state) == [.success, .cancelled, .skipped, .success])
        #expect(setup.platform.finished.map { "\($0.state.rawValue) \($0.rolledBack)" } == ["FAILURE true"])
        #expect(try await setup.store.app("web")?.lastDeployedCommit == DeploymentRunnerTests.v1)
        let events = try await setup.store.events(after: 0, limit: 200)
        #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
    }

    @Test func cancelWithoutRollbackLeavesTheVariantsAndSaysSo() async throws {
        let setup = try Setup(pipeline: Self.pipeline)
        let (id, run) = try await startAndWait(setup)
        let answered = try await setup.runner.command(id, .cancel(rollback: false, by: "bob"))
        #expect(answered.state == .cancelled)
        #expect(answered.reason == "cancelled by bob (no rollback: variants left as they are)")
        #expect(try await run.value == .cancelled)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout])
        #expect(setup.platform.finished.map { "\($0.state.rawValue) \($0.rolledBack)" } == ["CANCELLED false"])
    }

    @Test func cancelWithRollbackRollsBackThenEndsCancelled() async throws {
        let setup = try Setup(pipeline: Self.pipeline)
        let (_, run) = try await startAndWait(setup)
        let id = try #require(await setup.runner.running.first)
        _ = try await setup.runner.command(id, .cancel(rollback: true, by: "bob"))
        #expect(try await run.value == .cancelled)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .rollback])
    }

    @Test func aRollbackCutsOffAPlatformStageInFlight() async throws {
        let setup = try Setup(pipeline: Self.pipeline, replies: [.canaryRollout: .hang])
        let id = try await setup.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while setup.platform.calls.isEmpty { await Task.yield() }
        _ = try await setup.runner.command(id, .rollback(by: "alice"))
        #expect(try await run.value == .failure)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .rollback])
        #expect(try await setup.store.stages(of: id).first?.state == .cancelled)
    }

    @Test func aCommandThatDoesNotApplyIsRefusedAndChangesNothing() async throws {
        let setup = try Setup()
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .success)
        let before = try await setup.store.lastSequence()
        await #expect(throws: DeploymentMachine.Refusal.self) { try await setup.runner.command(id, .rollback(by: "alice")) }
        await #expect(throws: DeploymentMachine.Refusal.self) {
            try await setup.runner.command(id, .cancel(rollback: false, by: "alice"))
        }
        #expect(try await setup.store.lastSequence() == before)
        await #expect(throws: StoreError.self) { try await setup.runner.command(.init(rawValue: "d-none"), .rollback(by: "x")) }
    }

    /// A server died mid-stage; before anyone resumes it, someone rolls it back: the command is stored,
    /// and the next run carries the rollback out.
    @Test func aRollbackOfADeploymentNobodyRunsIsStoredAndRunNext() async throws {
        let setup = try Setup(pipeline: Self.pipeline)
        let id = try await setup.create(strategy: .pipeline)
        var machine = DeploymentMachine(deployment: try #require(try await setup.store.deployment(id)),
                                        stages: try await setup.store.stages(of: id), autoRollback: true)
        for input in [DeploymentMachine.Input.plan, .start] {
            let t = try machine.handle(input, at: DeploymentRunnerTests.t0)
            try await setup.store.write(t.changes, events: t.events)
        }
        let answered = try await setup.runner.command(id, .rollback(by: "alice"))
        #expect(answered.state == .rollingBack)
        #expect(try await setup.store.deployment(id)?.state == .rollingBack)
        #expect(setup.platform.calls.isEmpty)
        #expect(try await setup.runner.run(id) == .failure)
        #expect(setup.platform.calls.map(\.stage) == [.rollback])
    }

    /// The controller's face of the same commands: a refusal is a conflict (the API's 409).
    @Test func theControllerTurnsARefusalIntoAConflict() async throws {
        let setup = try Setup()
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .success)
        let controller = Controller(reconcilers: [], runner: setup.runner, store: setup.store, clock: setup.clock)
        await #expect {
            try await controller.rollback(id, by: "alice")
        } throws: { error in
            guard case StoreError.conflict(let message) = error else { return false }
            return message.contains("only a RUNNING deployment can be rolled back (it is SUCCESS)")
        }
    }
}

/// Deployments are planned when they start, against what is live then.
@Suite struct DeploymentReplanTests {
    /// v2 was pushed while v1 — the first deployment — still ran: it was created as a first deployment
    /// (quick, nothing to return to). When it starts, v1 is live: it runs the pipeline against v1.
    @Test func aCommitPushedDuringAFirstDeploymentRunsItsPipelineAgainstIt() async throws {
        let pipeline = [StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))), StageSpec(.primaryRollout)]
        let setup = try DeploymentRunnerTests.Setup(pipeline: pipeline)
        let v2 = DeploymentRunnerTests.v2, v1 = DeploymentRunnerTests.v1, t0 = DeploymentRunnerTests.t0
        let deployment = Deployment(id: .random(), app: "web", commit: v2, previousCommit: nil, trigger: .commit,
                                    strategy: .quick, createdAt: t0)
        let (_, created) = DeploymentMachine.create(deployment, stages: [.sync], autoRollback: true)
        let live = AppRecord(name: "web", repository: "apps", configPath: setup.app.configPath, status: .synced,
                             lastDeployedCommit: v1, updatedAt: t0)
        try await setup.store.write(created.changes + [.upsertApp(live)], events: created.events)

        #expect(try await setup.runner.run(deployment.id) == .success)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .primaryRollout])
        #expect(setup.platform.calls.allSatisfy { $0.previousCommit == v1 })
        let stored = try #require(try await setup.store.deployment(deployment.id))
        #expect(stored.strategy == .pipeline && stored.previousCommit == v1)
        let stages = try await setup.store.stages(of: deployment.id)
        #expect(stages.map(\.kind) == [.canaryRollout, .primaryRollout, .rollback])
        #expect(stages.first?.options == .object(["replicas": .number(1)]))
        let replanned = try await setup.store.events(after: 0, limit: 100).filter { $0.kind == .deploymentReplanned }
        #expect(replanned.map(\.data["previousCommit"]) == [v1.hex])
    }

    /// Nothing changed since it was created: no re-plan event, the stored stages stay.
    @Test func aDeploymentPlannedAsCreatedRecordsNoReplan() async throws {
        let setup = try DeploymentRunnerTests.Setup()
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .success)
        #expect(try await setup.store.events(after: 0, limit: 100).allSatisfy { $0.kind != .deploymentReplanned })
    }
}
