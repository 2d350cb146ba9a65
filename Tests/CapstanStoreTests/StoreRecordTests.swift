import CapstanCore
import Foundation
import Testing

/// The `DeploymentStore` contract for records, run against every store.
@Suite struct StoreRecordTests {
    @Test(arguments: StoreKind.allCases)
    func deploymentsRoundTripEveryField(kind: StoreKind) async throws {
        try await kind.with { store in
            let full = Sample.deployment("full")
            let bare = Sample.deployment("bare", full: false)
            try await store.write([.insertDeployment(full, stages: []), .insertDeployment(bare, stages: [])], events: [])
            #expect(try await store.deployment(full.id) == full)
            #expect(try await store.deployment(bare.id) == bare)
            #expect(try await store.deployment(Sample.id("missing")) == nil)
            #expect(try await store.stages(of: bare.id).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func stagesRoundTripInIndexOrder(kind: StoreKind) async throws {
        try await kind.with { store in
            var stages = Sample.stages("a")
            stages[1] = StageRecord(deployment: Sample.id("a"), index: 1, kind: .waitApproval, state: .running, attempts: 2,
                                    reason: "waiting for release-managers", startedAt: Sample.time(3), finishedAt: Sample.time(4))
            try await store.write([.insertDeployment(Sample.deployment("a"), stages: stages.reversed())], events: [])
            #expect(try await store.stages(of: Sample.id("a")) == stages)
        }
    }

    /// A re-plan swaps the whole stage list (fewer or more stages, other options); other deployments keep theirs.
    @Test(arguments: StoreKind.allCases)
    func replaceStagesSwapsTheWholeListOfOneDeployment(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.write([.insertDeployment(Sample.deployment("a"), stages: Sample.stages("a")),
                                   .insertDeployment(Sample.deployment("b"), stages: Sample.stages("b"))], events: [])
            let replanned = [
                StageRecord(deployment: Sample.id("a"), index: 0, kind: .canaryRollout, options: .object(["replicas": .number(2)])),
                StageRecord(deployment: Sample.id("a"), index: 1, kind: .primaryRollout),
                StageRecord(deployment: Sample.id("a"), index: 2, kind: .trafficRouting, options: .object(["primary": .number(100)])),
                StageRecord(deployment: Sample.id("a"), index: 3, kind: .rollback),
            ]
            try await store.write([.replaceStages(Sample.id("a"), replanned)], events: [])
            #expect(try await store.stages(of: Sample.id("a")) == replanned)
            #expect(try await store.stages(of: Sample.id("b")) == Sample.stages("b"))
            await #expect(throws: StoreError.notFound("deployment d-missing")) {
                try await store.write([.replaceStages(Sample.id("missing"), [])], events: [])
            }
            let twice = [replanned[0], replanned[0]]
            await #expect(throws: StoreError.self) { try await store.write([.replaceStages(Sample.id("a"), twice)], events: []) }
            #expect(try await store.stages(of: Sample.id("a")) == replanned)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updateStageChangesThatStageOnly(kind: StoreKind) async throws {
        try await kind.with { store in
            let stages = Sample.stages("a")
            try await store.write([.insertDeployment(Sample.deployment("a"), stages: stages)], events: [])
            var running = stages[0]
            running.state = .success
            running.attempts = 1
            running.startedAt = Sample.time(1)
            running.finishedAt = Sample.time(2.001)
            running.reason = "2 of 2 ready"
            try await store.write([.updateStage(running)], events: [])
            #expect(try await store.stages(of: Sample.id("a")) == [running, stages[1], stages[2]])
            running.reason = nil
            running.finishedAt = nil
            try await store.write([.updateStage(running)], events: [])
            #expect(try await store.stages(of: Sample.id("a")).first == running)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func approvalsAreKeptInOrderAndOncePerApprover(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.write([.insertDeployment(Sample.deployment("a"), stages: Sample.stages("a"))], events: [])
            let late = Approval(deployment: Sample.id("a"), stageIndex: 1, approver: "carol", at: Sample.time(9))
            let early = Approval(deployment: Sample.id("a"), stageIndex: 1, approver: "bob", at: Sample.time(5))
            let other = Approval(deployment: Sample.id("a"), stageIndex: 0, approver: "zed", at: Sample.time(20))
            try await store.write([.insertApproval(late), .insertApproval(early), .insertApproval(other)], events: [])
            #expect(try await store.approvals(of: Sample.id("a")) == [other, early, late])
            #expect(try await store.approvals(of: Sample.id("b")).isEmpty)

            let again = await #expect(throws: StoreError.self) {
                try await store.write([.insertApproval(Approval(deployment: Sample.id("a"), stageIndex: 1, approver: "bob",
                                                                at: Sample.time(30)))], events: [])
            }
            #expect(again?.isConflict == true)
            let noStage = await #expect(throws: StoreError.self) {
                try await store.write([.insertApproval(Approval(deployment: Sample.id("a"), stageIndex: 7, approver: "bob",
                                                                at: Sample.time(30)))], events: [])
            }
            #expect(noStage?.isNotFound == true)
            #expect(try await store.approvals(of: Sample.id("a")).count == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func appsAreUpsertedAndSortedByName(kind: StoreKind) async throws {
        try await kind.with { store in
            let checkout = Sample.app("checkout")
            let bare = Sample.app("api", status: .unknown, full: false)
            try await store.write([.upsertApp(checkout), .upsertApp(bare)], events: [])
            #expect(try await store.app("checkout") == checkout)
            #expect(try await store.app("api") == bare)
            #expect(try await store.app("nope") == nil)

            var changed = checkout
            changed.status = .synced
            changed.repository = "https://git.example.com/other.git"
            changed.configPath = "capstan.yaml"
            changed.lastDeployedCommit = nil
            changed.summary = nil
            changed.diff = nil
            changed.updatedAt = Sample.time(60)
            try await store.write([.upsertApp(changed), .upsertApp(Sample.app("web"))], events: [])
            #expect(try await store.apps().map(\.name) == ["api", "checkout", "web"])
            #expect(try await store.app("checkout") == changed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deploymentsAreNewestFirstAndFiltered(kind: StoreKind) async throws {
        try await kind.with { store in
            let all = [
                Sample.deployment("1", app: "checkout", state: .success, created: 10),
                Sample.deployment("2", app: "api", state: .running, created: 20),
                Sample.deployment("3", app: "checkout", state: .running, created: 30),
                Sample.deployment("5", app: "checkout", state: .pending, created: 40),
                Sample.deployment("4", app: "api", state: .pending, created: 40),  // same time: id breaks the tie
            ]
            try await store.write(all.map { .insertDeployment($0, stages: []) }, events: [])
            func names(_ app: String?, _ state: DeploymentState?, _ limit: Int = 10) async throws -> [String] {
                try await store.deployments(app: app, state: state, limit: limit).map(\.id.rawValue)
            }
            #expect(try await names(nil, nil) == ["d-4", "d-5", "d-3", "d-2", "d-1"])
            #expect(try await names(nil, nil, 2) == ["d-4", "d-5"])
            #expect(try await names("checkout", nil) == ["d-5", "d-3", "d-1"])
            #expect(try await names(nil, .running) == ["d-3", "d-2"])
            #expect(try await names("api", .pending) == ["d-4"])
            #expect(try await names("web", nil).isEmpty)
            #expect(try await names(nil, nil, 0).isEmpty)
            #expect(try await store.deployments(app: "checkout", state: nil, limit: 1) == [all[3]])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updateDeploymentChecksTheExpectedState(kind: StoreKind) async throws {
        try await kind.with { store in
            var deployment = Sample.deployment("a")
            try await store.write([.insertDeployment(deployment, stages: [])], events: [])
            deployment.state = .planned
            deployment.updatedAt = Sample.time(10)
            try await store.write([.updateDeployment(deployment, expecting: .pending)], events: [])
            #expect(try await store.deployment(deployment.id) == deployment)

            var other = deployment
            other.state = .cancelled
            let stale = await #expect(throws: StoreError.self) {
                try await store.write([.updateDeployment(other, expecting: .pending)], events: [])
            }
            #expect(stale?.isConflict == true)
            #expect(stale?.message.contains("PLANNED") == true)
            #expect(try await store.deployment(deployment.id)?.state == .planned)

            // No expectation: the update applies whatever the state.
            other.reason = nil
            try await store.write([.updateDeployment(other, expecting: nil)], events: [])
            #expect(try await store.deployment(deployment.id) == other)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func missingRecordsAreNotFound(kind: StoreKind) async throws {
        try await kind.with { store in
            let deployment = await #expect(throws: StoreError.self) {
                try await store.write([.updateDeployment(Sample.deployment("ghost"), expecting: nil)], events: [])
            }
            #expect(deployment?.isNotFound == true)
            let stage = await #expect(throws: StoreError.self) {
                try await store.write([.updateStage(Sample.stages("ghost")[0])], events: [])
            }
            #expect(stage?.isNotFound == true)

            try await store.write([.insertDeployment(Sample.deployment("a"), stages: Sample.stages("a"))], events: [])
            let index = await #expect(throws: StoreError.self) {
                try await store.write([.updateStage(StageRecord(deployment: Sample.id("a"), index: 3, kind: .sync))], events: [])
            }
            #expect(index?.isNotFound == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func malformedInsertsAreConflicts(kind: StoreKind) async throws {
        try await kind.with { store in
            let twice = Sample.stages("a", [.sync]) + Sample.stages("a", [.wait])
            let duplicateIndex = await #expect(throws: StoreError.self) {
                try await store.write([.insertDeployment(Sample.deployment("a"), stages: twice)], events: [])
            }
            #expect(duplicateIndex?.isConflict == true)
            let foreign = await #expect(throws: StoreError.self) {
                try await store.write([.insertDeployment(Sample.deployment("a"), stages: Sample.stages("b"))], events: [])
            }
            #expect(foreign?.isConflict == true)
            let stored = try await store.deployment(Sample.id("a"))
            #expect(stored == nil)
        }
    }
}
