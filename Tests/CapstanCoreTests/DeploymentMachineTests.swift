import CapstanCore
import Foundation
import Testing

@Suite struct DeploymentMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let commit = CommitID(String(repeating: "a", count: 40))!
    static let previous = CommitID(String(repeating: "b", count: 40))!

    static func machine(_ kinds: [StageKind] = [.canaryRollout, .trafficRouting, .primaryRollout],
                        autoRollback: Bool = true) -> (DeploymentMachine, DeploymentMachine.Transition) {
        let deployment = Deployment(id: DeploymentID(rawValue: "d-1"), app: "checkout", commit: commit,
                                    previousCommit: previous, trigger: .commit, strategy: .pipeline, createdAt: t0)
        return DeploymentMachine.create(deployment, stages: kinds, autoRollback: autoRollback)
    }

    /// A machine that was planned and started: stage 0 is running.
    static func started(_ kinds: [StageKind] = [.canaryRollout, .trafficRouting, .primaryRollout],
                        autoRollback: Bool = true) throws -> DeploymentMachine {
        var (m, _) = machine(kinds, autoRollback: autoRollback)
        _ = try m.handle(.plan, at: t0)
        _ = try m.handle(.start, at: t0)
        return m
    }

    private func states(_ m: DeploymentMachine) -> [StageState] { m.stages.map(\.state) }

    @Test func creationRecordsTheDeploymentWithATrailingRollbackStage() {
        let (m, t) = Self.machine()
        #expect(m.stages.map(\.kind) == [.canaryRollout, .trafficRouting, .primaryRollout, .rollback])
        #expect(m.deployment.state == .pending)
        guard case .insertDeployment(let d, let stages)? = t.changes.first else {
            Issue.record("no insert")
            return
        }
        #expect(d == m.deployment && stages == m.stages)
        #expect(t.events.map(\.kind) == [.deploymentCreated])
        #expect(t.events[0].data["previousCommit"] == Self.previous.hex)
    }

    @Test func startPersistsTheFirstStageAsRunningBeforeRunningIt() throws {
        var (m, _) = Self.machine()
        _ = try m.handle(.plan, at: Self.t0)
        let t = try m.handle(.start, at: Self.t0.addingTimeInterval(1))
        #expect(t.changes.first == .updateDeployment(m.deployment, expecting: .planned))
        #expect(t.changes.contains(.updateStage(m.stages[0])))
        #expect(m.stages[0].state == .running && m.stages[0].attempts == 1)
        #expect(t.actions == [.runStage(index: 0, kind: .canaryRollout, attempt: 1)])
        #expect(t.events.map(\.kind) == [.deploymentStateChanged, .stageStateChanged])
    }

    @Test func successfulStagesEndInSuccessWithRollbackSkipped() throws {
        var m = try Self.started()
        var actions: [DeploymentMachine.Action] = []
        for index in 0..<3 {
            actions = try m.handle(.stageFinished(index: index, outcome: .success), at: Self.t0).actions
        }
        #expect(actions == [.finished(.success)])
        #expect(m.deployment.state == .success && m.deployment.reason == nil)
        #expect(states(m) == [.success, .success, .success, .skipped])
        #expect(m.stages.allSatisfy { $0.finishedAt != nil })
    }

    @Test func aFailedStageRollsBackAutomatically() throws {
        var m = try Self.started()
        _ = try m.handle(.stageFinished(index: 0, outcome: .success), at: Self.t0)
        let t = try m.handle(.stageFinished(index: 1, outcome: .failure(reason: "weights refused")), at: Self.t0)
        #expect(m.deployment.state == .rollingBack)
        #expect(states(m) == [.success, .failure, .skipped, .running])
        #expect(t.actions == [.runStage(index: 3, kind: .rollback, attempt: 1)])
        // The ROLLBACK about to run is never shown as skipped first.
        let rollbackMoves = t.events.filter { $0.stageIndex == 3 }.map { "\($0.data["from"] ?? "")→\($0.data["to"] ?? "")" }
        #expect(rollbackMoves == ["NOT_STARTED→RUNNING"])
        let end = try m.handle(.stageFinished(index: 3, outcome: .success), at: Self.t0)
        #expect(end.actions == [.finished(.failure)])
        #expect(m.deployment.state == .failure)
        #expect(m.deployment.reason == "stage 1 TRAFFIC_ROUTING failed: weights refused")
    }

    @Test func withoutAutoRollbackAFailureEndsAtOnce() throws {
        var m = try Self.started(autoRollback: false)
        let t = try m.handle(.stageFinished(index: 0, outcome: .failure(reason: "boom")), at: Self.t0)
        #expect(t.actions == [.finished(.failure)])
        #expect(states(m) == [.failure, .skipped, .skipped, .skipped])
    }

    @Test func aFailedRollbackSaysSo() throws {
        var m = try Self.started()
        _ = try m.handle(.stageFinished(index: 0, outcome: .failure(reason: "boom")), at: Self.t0)
        _ = try m.handle(.stageFinished(index: 3, outcome: .failure(reason: "primary gone")), at: Self.t0)
        #expect(m.deployment.state == .failure)
        #expect(m.deployment.reason == "stage 0 CANARY_ROLLOUT failed: boom; rollback failed: primary gone")
    }

    @Test func cancelWithRollbackEndsCancelledEvenAcrossARestart() throws {
        var m = try Self.started()
        let t = try m.handle(.cancel(rollback: true, by: "alice"), at: Self.t0)
        #expect(t.actions == [.abortStage(index: 0), .runStage(index: 3, kind: .rollback, attempt: 1)])
        #expect(states(m) == [.cancelled, .skipped, .skipped, .running])
        // The server restarts: the machine is rebuilt from stored records and resumes the rollback.
        var restarted = DeploymentMachine(deployment: m.deployment, stages: m.stages, autoRollback: true)
        #expect(try restarted.handle(.resume, at: Self.t0).actions == [.runStage(index: 3, kind: .rollback, attempt: 2)])
        _ = try restarted.handle(.stageFinished(index: 3, outcome: .success), at: Self.t0)
        #expect(restarted.deployment.state == .cancelled)
        #expect(restarted.deployment.reason == "cancelled by alice")
    }

    @Test func cancelWithoutRollbackLeavesVariantsAndSaysSo() throws {
        var m = try Self.started()
        let t = try m.handle(.cancel(rollback: false, by: "bob"), at: Self.t0)
        #expect(t.actions == [.abortStage(index: 0), .finished(.cancelled)])
        #expect(m.deployment.reason == "cancelled by bob (no rollback: variants left as they are)")
        #expect(states(m) == [.cancelled, .skipped, .skipped, .skipped])
    }

    @Test func manualRollbackEndsInFailure() throws {
        var m = try Self.started()
        _ = try m.handle(.rollback(by: "carol"), at: Self.t0)
        _ = try m.handle(.stageFinished(index: 3, outcome: .success), at: Self.t0)
        #expect(m.deployment.state == .failure && m.deployment.reason == "rolled back by carol")
    }

    @Test func supersedeOnlyBeforeStart() throws {
        var (m, _) = Self.machine()
        let t = try m.handle(.supersede(by: DeploymentID(rawValue: "d-2")), at: Self.t0)
        #expect(m.deployment.state == .cancelled && m.deployment.reason == "superseded by d-2")
        #expect(t.actions == [.finished(.cancelled)])
        var running = try Self.started()
        #expect(throws: DeploymentMachine.Refusal.self) {
            try running.handle(.supersede(by: DeploymentID(rawValue: "d-3")), at: Self.t0)
        }
    }

    @Test func resumeRunsTheRunningStageAgainWithANewAttempt() throws {
        var m = try Self.started()
        _ = try m.handle(.stageFinished(index: 0, outcome: .success), at: Self.t0)
        var restarted = DeploymentMachine(deployment: m.deployment, stages: m.stages, autoRollback: true)
        let t = try restarted.handle(.resume, at: Self.t0.addingTimeInterval(5))
        #expect(t.actions == [.runStage(index: 1, kind: .trafficRouting, attempt: 2)])
        #expect(restarted.stages[1].startedAt == m.stages[1].startedAt, "a resume keeps the original start time")
    }

    @Test func aDuplicateStageResultIsRefusedAndChangesNothing() throws {
        var m = try Self.started()
        _ = try m.handle(.stageFinished(index: 0, outcome: .success), at: Self.t0)
        let before = m
        #expect(throws: DeploymentMachine.Refusal.self) {
            try m.handle(.stageFinished(index: 0, outcome: .success), at: Self.t0)
        }
        #expect(m == before)
    }

    @Test func abortEndsInFailureWithoutRollback() throws {
        var m = try Self.started()
        let t = try m.handle(.abort(reason: "capstan.yaml unreadable"), at: Self.t0)
        #expect(t.actions == [.abortStage(index: 0), .finished(.failure)])
        #expect(states(m) == [.cancelled, .skipped, .skipped, .skipped])
        #expect(m.deployment.reason == "capstan.yaml unreadable")
    }

    /// Random inputs from random states: the invariants the executor and the store rely on always hold.
    @Test func invariantsHoldForRandomInputs() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            var (m, _) = Self.machine([.canaryRollout, .analysis, .primaryRollout], autoRollback: rng.next() % 2 == 0)
            for _ in 0..<12 {
                let before = m
                let input = Self.randomInput(&rng, stages: m.stages.count)
                do {
                    let t = try m.handle(input, at: Self.t0)
                    #expect(m.stages.filter { $0.state == .running }.count <= 1)
                    if m.deployment.state.isFinal { #expect(m.stages.allSatisfy { $0.state.isFinal }) }
                    if m.deployment.state != before.deployment.state {
                        #expect(t.events.contains { $0.kind == .deploymentStateChanged })
                        #expect(t.changes.first == .updateDeployment(m.deployment, expecting: before.deployment.state))
                    }
                    let stageChanges = t.changes.filter { if case .updateStage = $0 { true } else { false } }.count
                    #expect(stageChanges == t.events.filter { $0.kind == .stageStateChanged }.count)
                } catch {
                    #expect(m == before, "a refused input must change nothing")
                }
            }
        }
    }

    static func randomInput(_ rng: inout SplitMix64, stages: Int) -> DeploymentMachine.Input {
        switch rng.next() % 9 {
        case 0: .plan
        case 1: .start
        case 2: .stageFinished(index: Int(rng.next() % UInt64(stages)), outcome: .success)
        case 3: .stageFinished(index: Int(rng.next() % UInt64(stages)), outcome: .failure(reason: "x"))
        case 4: .cancel(rollback: rng.next() % 2 == 0, by: "t")
        case 5: .rollback(by: "t")
        case 6: .supersede(by: DeploymentID(rawValue: "d-9"))
        case 7: .resume
        default: .abort(reason: "unreadable")
        }
    }
}

/// A small seeded generator, so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
