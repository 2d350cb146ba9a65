import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

/// The previous primary that PRIMARY_ROLLOUT keeps: reused by ROLLBACK, stopped by finishDeployment
/// SUCCESS or, when that call was missed, by the next deployment's first stage.
@Suite(.serialized)
struct FinishDeploymentTests {
    static let v1 = ProcessPluginFixture.commit("7")
    static let v2 = ProcessPluginFixture.commit("8")
    static let v3 = ProcessPluginFixture.commit("9")

    static func finish(_ deployment: String, _ state: DeploymentState, rolledBack: Bool = false) -> FinishDeploymentParams {
        FinishDeploymentParams(deploymentId: DeploymentID(rawValue: deployment), app: ProcessPluginFixture.app, state: state,
                               commit: v2, previousCommit: v1, rolledBack: rolledBack)
    }

    @Test func rollbackAfterPrimaryRolloutReusesTheKeptInstancesInstantly() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 2)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 2)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            let old = try fixture.running(.primary, Self.v1).map(\.process)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0)
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 1)
            #expect(fixture.servedVersion() == "2.0.0")

            let load = LoadGenerator(port: fixture.frontendPort, threads: 2)
            load.start()
            let log = StageLogLines()
            let clock = ContinuousClock()
            let started = clock.now
            try await fixture.stage(plugin, .rollback, commit: Self.v2, previous: Self.v1, index: 2, log: log)
            let took = clock.now - started
            let counts = await load.stop()
            #expect(counts.failed == 0, "\(counts.failures)")
            #expect(log.all.contains { $0.contains("reusing 2 kept instance(s) of \(Self.v1.short)") })
            #expect(!log.all.contains { $0.hasPrefix("started") })
            let state = try fixture.state()
            #expect(state.instances.map(\.process) == old)
            #expect(state.instances.allSatisfy { $0.weight == WeightFormula.maxWeight && $0.keptBy == nil })
            #expect(fixture.servedVersion() == "1.0.0")
            #expect(took < .seconds(5), "\(took)")

            // The deployment ends rolled back: nothing is kept any more, nothing changes.
            try await plugin.finishDeployment(Self.finish("d-2", .failure, rolledBack: true))
            #expect(try fixture.state().instances.map(\.process) == old && old.allSatisfy { $0.isAlive })
        }
    }

    @Test func successStopsTheKeptPrimaryAndARepeatIsANoOp() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            let old = try fixture.running(.primary, Self.v1).map(\.process)
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 0)
            #expect(old.allSatisfy { $0.isAlive })
            let live = try await plugin.liveState(LiveStateParams(app: ProcessPluginFixture.app))
            #expect(live.resources.count == 1 && live.resources.first?.commit == Self.v2)
            let details = live.resources.first?.details ?? ""
            #expect(details.contains("previous primary \(Self.v1.short) kept for a quick rollback until d-2 ends"), "\(details)")

            try await plugin.finishDeployment(Self.finish("d-2", .success))
            #expect(old.allSatisfy { !$0.isAlive })
            let after = try fixture.state()
            #expect(after.instances.count == 1 && after.instances.allSatisfy { $0.commit == Self.v2 && $0.keptBy == nil })
            #expect(fixture.servedVersion() == "2.0.0")

            try await plugin.finishDeployment(Self.finish("d-2", .success))
            #expect(try fixture.state() == after)
        }
    }

    @Test func cancelledWithoutRollbackLeavesEveryVariantAndTheNextDeploymentReleasesTheLeftovers() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1)
            try fixture.checkout(Self.v3, version: "3.0.0", replicas: 1)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0)
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 1)
            let before = try fixture.state()
            #expect(before.instances.count == 3)

            try await plugin.finishDeployment(Self.finish("d-2", .cancelled, rolledBack: false))
            try await plugin.finishDeployment(Self.finish("d-2", .cancelled, rolledBack: false))
            #expect(try fixture.state().instances == before.instances)
            #expect(before.instances.allSatisfy { $0.process.isAlive })

            // The next deployment's first stage stops what d-2 kept (its finishDeployment never said SUCCESS).
            let log = StageLogLines()
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v3, previous: Self.v2, deployment: "d-3",
                                    index: 0, log: log)
            #expect(log.all.contains { $0.hasPrefix("releasing what d-2 kept for a rollback") })
            let state = try fixture.state()
            #expect(state.instances.filter { $0.commit == Self.v1 }.isEmpty)
            #expect(state.instances.map(\.variant).sorted { $0.rawValue < $1.rawValue } == [.canary, .primary])
            #expect(try fixture.running(.canary, Self.v3).count == 1)
            #expect(try fixture.running(.primary, Self.v2).count == 1)
            #expect(fixture.servedVersion() == "2.0.0")
        }
    }
}
