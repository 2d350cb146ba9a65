import CapstanCore
import Foundation
import Testing

/// Stage options kept with the stage records (what a stage does, for people), run against every store.
@Suite struct StoreStageOptionsTests {
    static let pipeline: [StageSpec] = [
        StageSpec(.canaryRollout, options: .rollout(replicas: .percent(50))),
        StageSpec(.trafficRouting, options: .trafficRouting(TrafficWeights(primary: 90, canary: 10))),
        StageSpec(.wait, options: .wait(duration: .seconds(90))),
        StageSpec(.waitApproval, options: .waitApproval(WaitApprovalOptions(approvers: ["release-managers"]))),
        StageSpec(.scriptRun, options: .scriptRun(ScriptRunOptions(run: "echo \"hi\" \\ ✅", env: ["A": "1"]))),
        StageSpec(.primaryRollout),
    ]

    @Test(arguments: StoreKind.allCases)
    func optionsRoundTripWithTheirStages(kind: StoreKind) async throws {
        try await kind.with { store in
            let (machine, created) = DeploymentMachine.create(Sample.deployment("a"), pipeline: Self.pipeline,
                                                              autoRollback: true)
            try await store.write(created.changes, events: created.events)
            let stages = try await store.stages(of: Sample.id("a"))
            #expect(stages == machine.stages)
            #expect(stages.map(\.options) == Self.pipeline.map(\.options.json) + [.object([:])])
            #expect(stages[1].options == .object(["primary": .number(90), "canary": .number(10), "baseline": .number(0)]))
            #expect(stages[1].options["baseline"] == .number(0))  // a zero stays a number, never a false
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aStageWithoutOptionsHasAnEmptyObject(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.write([.insertDeployment(Sample.deployment("a"), stages: Sample.stages("a"))], events: [])
            #expect(try await store.stages(of: Sample.id("a")).allSatisfy { $0.options == .object([:]) })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updatesKeepTheOptionsAsInserted(kind: StoreKind) async throws {
        try await kind.with { store in
            let (initial, created) = DeploymentMachine.create(Sample.deployment("a"), pipeline: Self.pipeline,
                                                              autoRollback: true)
            var machine = initial
            try await store.write(created.changes, events: created.events)
            for input in [DeploymentMachine.Input.plan, .start] {
                let t = try machine.handle(input, at: Sample.time(1))
                try await store.write(t.changes, events: t.events)
            }
            // A caller that rebuilds a record without its options does not erase them.
            var bare = StageRecord(deployment: Sample.id("a"), index: 1, kind: .trafficRouting, state: .running, attempts: 1,
                                   startedAt: Sample.time(2))
            try await store.write([.updateStage(bare)], events: [])
            let stages = try await store.stages(of: Sample.id("a"))
            #expect(stages[0].state == .running && stages[0].options == Self.pipeline[0].options.json)
            bare.options = Self.pipeline[1].options.json
            #expect(stages[1] == bare)
        }
    }

    @Test func theKindsOnlyCreateRecordsTheSameStagesWithoutOptions() {
        let deployment = Sample.deployment("a")
        let (byKind, t1) = DeploymentMachine.create(deployment, stages: Self.pipeline.map(\.kind), autoRollback: false)
        let (bySpec, t2) = DeploymentMachine.create(deployment, pipeline: Self.pipeline, autoRollback: false)
        #expect(byKind.stages.map(\.kind) == bySpec.stages.map(\.kind))
        #expect(byKind.stages.allSatisfy { $0.options == .object([:]) })
        #expect(t1.events == t2.events)
    }
}
