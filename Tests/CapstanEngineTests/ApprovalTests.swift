import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

/// WAIT_APPROVAL: who may approve, how approvals count, what a timeout does; and skipping a stage.
@Suite struct ApprovalTests {
    static func pipeline(timeout: Duration? = nil) -> [StageSpec] {
        [StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
         StageSpec(.waitApproval, options: .waitApproval(WaitApprovalOptions(approvers: ["alice", "role:release-managers"],
                                                                             minApprovals: 2)), timeout: timeout),
         StageSpec(.primaryRollout)]
    }

    /// Runs the pipeline until it waits for approvals; returns the controller and the run.
    func waiting(_ setup: DeploymentRunnerTests.Setup) async throws -> (Controller, DeploymentID, Task<DeploymentState, any Error>) {
        let controller = Controller(reconcilers: [], runner: setup.runner, store: setup.store, clock: setup.clock,
                                    now: { DeploymentRunnerTests.t0 })
        let id = try await setup.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while !setup.clock.pendingSleeps.contains(.seconds(1)) { await Task.yield() }
        return (controller, id, run)
    }

    @Test func namedAndRoleApproversPassTheStageOthersAreRefusedAndRepeatsCountOnce() async throws {
        let setup = try DeploymentRunnerTests.Setup(pipeline: Self.pipeline())
        let (controller, id, run) = try await waiting(setup)
        await #expect(throws: CommandError.forbidden("bob is not among the approvers of stage 1: alice, role:release-managers")) {
            try await controller.approve(id, by: "bob", roles: ["approver"])
        }
        _ = try await controller.approve(id, by: "alice", roles: ["approver"])
        _ = try await controller.approve(id, by: "alice", roles: ["approver"])
        setup.clock.advance(by: .seconds(1))
        for _ in 0..<100 { await Task.yield() }
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout], "one identity twice is one approval of two")
        _ = try await controller.approve(id, by: "carol", roles: ["approver", "release-managers"])
        while try await setup.store.deployment(id)?.state == .running {
            setup.clock.advance(by: .seconds(1))
            await Task.yield()
        }
        #expect(try await run.value == .success)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .primaryRollout])
        let approvals = try await setup.store.approvals(of: id)
        #expect(approvals.map(\.approver).sorted() == ["alice", "carol"])
        let recorded = try await setup.store.events(of: id, stage: 1, kind: .approvalRecorded, after: 0, limit: 10)
        #expect(recorded.map(\.message) == ["stage 1 WAIT_APPROVAL approved by alice", "stage 1 WAIT_APPROVAL approved by carol"])
    }

    @Test func aForgottenApprovalTimesOutAndRollsBack() async throws {
        let setup = try DeploymentRunnerTests.Setup(pipeline: Self.pipeline(timeout: .seconds(3600)))
        let (_, id, run) = try await waiting(setup)
        setup.clock.advance(by: .seconds(3600))
        #expect(try await run.value == .failure)
        #expect(try await setup.store.deployment(id)?.reason == "stage 1 WAIT_APPROVAL failed: timed out after 1h")
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .rollback])
    }

    @Test func approvingADeploymentThatDoesNotWaitIsAConflict() async throws {
        let setup = try DeploymentRunnerTests.Setup()
        let id = try await setup.create(strategy: .quick)
        #expect(try await setup.runner.run(id) == .success)
        let controller = Controller(reconcilers: [], runner: setup.runner, store: setup.store, clock: setup.clock)
        await #expect(throws: StoreError.self) { try await controller.approve(id, by: "alice", roles: []) }
    }

    @Test func skippingAnApprovalTakesAnApproverOfTheStage() async throws {
        let setup = try DeploymentRunnerTests.Setup(pipeline: Self.pipeline())
        let (controller, id, run) = try await waiting(setup)
        // A deployer may skip other stages, not the gate meant to stop its own deployment.
        await #expect(throws: CommandError.forbidden("skipping stage 1 WAIT_APPROVAL passes its approval gate: that needs "
            + "the approver role and one of: alice, role:release-managers")) {
            try await controller.skipStage(id, by: "ci", roles: ["deployer"])
        }
        // An approver who is not among the stage's approvers may not either.
        await #expect(throws: CommandError.self) { try await controller.skipStage(id, by: "bob", roles: ["approver"]) }
        #expect(try await setup.store.stages(of: id)[1].state == .running)
        _ = try await controller.skipStage(id, by: "dave", roles: ["approver", "release-managers"])
        #expect(try await run.value == .success)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .primaryRollout])
        let stages = try await setup.store.stages(of: id)
        #expect(stages[1].state == .skipped && stages[1].reason == "skipped by dave")
    }
}
