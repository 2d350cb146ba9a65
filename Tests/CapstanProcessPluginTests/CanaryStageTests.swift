import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

/// Canary and blue-green pipelines end to end on the plugin, under continuous load: real Python
/// instances, real HAProxy, real HTTP over loopback.
@Suite(.serialized)
struct CanaryStageTests {
    static let v1 = ProcessPluginFixture.commit("5")
    static let v2 = ProcessPluginFixture.commit("6")
    typealias F = ProcessPluginFixture

    /// The stages of a pipeline, with their options, as the engine would send them.
    static let canaryPipeline: [(StageKind, JSONValue)] = [
        (.canaryRollout, F.replicas(.number(1))),
        (.trafficRouting, F.traffic(primary: 90, canary: 10)),
        (.trafficRouting, F.traffic(primary: 50, canary: 50)),
        (.primaryRollout, .object([:])),
        (.trafficRouting, F.traffic(primary: 100)),
        (.canaryClean, .object([:])),
    ]
    static let blueGreenPipeline: [(StageKind, JSONValue)] = [
        (.canaryRollout, F.replicas(.string("100%"))),
        (.trafficRouting, F.traffic(canary: 100)),
        (.primaryRollout, .object([:])),
        (.trafficRouting, F.traffic(primary: 100)),
        (.canaryClean, .object([:])),
    ]

    @Test(arguments: ["canary", "blue-green"])
    func aPipelineUnderLoadFailsNoRequestAndEndsWithOnlyTheNewPrimary(_ recipe: String) async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 2)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 2)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            let old = try fixture.running(.primary, Self.v1).map(\.process)

            let load = LoadGenerator(port: fixture.frontendPort)
            load.start()
            let log = StageLogLines()
            let pipeline = recipe == "canary" ? Self.canaryPipeline : Self.blueGreenPipeline
            for (index, (stage, options)) in pipeline.enumerated() {
                try await fixture.stage(plugin, stage, commit: Self.v2, previous: Self.v1, index: index, options: options,
                                        log: log)
                if stage == .canaryRollout {
                    #expect(try fixture.running(.canary, Self.v2).count == (recipe == "canary" ? 1 : 2))
                }
                if stage == .primaryRollout {
                    // The previous primary is kept, alive at weight 0, for an instant rollback.
                    #expect(try fixture.running(.primary, Self.v1).map(\.process) == old)
                    #expect(try fixture.state().instances.filter { $0.commit == Self.v1 }
                        .allSatisfy { $0.keptBy == "d-2" && $0.weight == 0 })
                }
            }
            try await plugin.finishDeployment(FinishDeploymentParams(
                deploymentId: DeploymentID(rawValue: "d-2"), app: F.app, state: .success, commit: Self.v2,
                previousCommit: Self.v1, rolledBack: false))
            try await Task.sleep(for: .milliseconds(200))
            let counts = await load.stop()

            #expect(counts.failed == 0, "\(counts.failed) of \(counts.failed + counts.succeeded) failed: \(counts.failures)")
            #expect(counts.succeeded > 100)
            #expect(counts.versions == ["1.0.0", "2.0.0"])
            #expect(counts.byVariant["canary", default: 0] > 0)
            let state = try fixture.state()
            #expect(state.instances.count == 2)
            #expect(state.instances.allSatisfy { $0.variant == .primary && $0.commit == Self.v2 && $0.keptBy == nil })
            #expect(old.allSatisfy { !$0.isAlive })
            #expect(state.services.values.first?.variants.keys.sorted() == ["primary"])
            #expect(state.services.values.first?.shares == .allPrimary)
            #expect(await fixture.sample(20) == ["primary": 20])
            #expect(log.all.contains { $0.contains("kept at weight 0 until d-2 ends") })
            #expect(log.all.contains { $0.hasPrefix("started hello canary canary-") && $0.contains("(pid ") })
        }
    }

    // An exit is seen at once, so that case has a long health timeout (a loaded machine may take a
    // second to start Python); the other has a short one, which bounds the stage.
    @Test(arguments: [
        ("exits at start", #"["python3", "-c", "import sys; print('boom: no config', file=sys.stderr); sys.exit(3)"]"#,
         "10s", "exited before it was ready"),
        ("never healthy", #"["python3", "-c", "import time; time.sleep(60)"]"#,
         "1s", "was not ready within 1s"),
    ])
    func aCanaryThatNeverGetsReadyFailsAndPrimaryKeepsEveryRequest(
        _ name: String, command: String, timeout: String, expected: String
    ) async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1, command: command, health: "{http: /healthz, timeout: \(timeout)}")
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            let primary = try fixture.running(.primary, Self.v1).map(\.process)

            let load = LoadGenerator(port: fixture.frontendPort, threads: 2)
            load.start()
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                                 options: F.replicas(.number(1)), expect: .failure)
            #expect(clock.now - started < .seconds(4))
            let reason = result.reason ?? ""
            #expect(reason.hasPrefix("hello canary instance on :") && reason.contains(expected), "\(reason)")
            if name == "exits at start" { #expect(result.reason?.contains("boom: no config") == true) }
            #expect(try fixture.state().instances.filter { $0.variant == .canary }.isEmpty)

            try await fixture.stage(plugin, .rollback, commit: Self.v2, previous: Self.v1, index: 1)
            let counts = await load.stop()
            #expect(counts.failed == 0, "\(counts.failures)")
            #expect(counts.byVariant.keys.sorted() == ["primary"] && counts.versions == ["1.0.0"])
            let state = try fixture.state()
            #expect(state.instances.map(\.process) == primary)
            #expect(state.services.values.first?.variants.keys.sorted() == ["primary"])
        }
    }

    @Test func aStageRunAgainOrResumedByANewPluginNeverDuplicatesAVariant() async throws {
        try await ProcessPluginFixture.run { fixture in
            var plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 2)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 2)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                    options: F.replicas(.number(1)))
            let canary = try fixture.running(.canary, Self.v2).map(\.process)
            #expect(canary.count == 1)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0, attempt: 2,
                                    options: F.replicas(.number(1)))

            // A plugin killed after starting the canary, before it joined HAProxy or answered: the new
            // plugin finds it running and adopts it.
            var state = try fixture.state()
            state.completedStages = [:]
            for index in state.instances.indices where state.instances[index].variant == .canary {
                state.instances[index].weight = nil
            }
            try StateStore(dataDirectory: fixture.dataDirectory).save(state)
            plugin = try await fixture.plugin()
            let log = StageLogLines()
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0, attempt: 3,
                                    options: F.replicas(.number(1)), log: log)
            #expect(try fixture.running(.canary, Self.v2).map(\.process) == canary)
            #expect(try fixture.state().instances.first { $0.variant == .canary }?.weight == 0)
            #expect(!log.all.contains { $0.hasPrefix("started") })
            #expect(log.all.contains { $0.contains("adopting 1 running instance(s)") })

            // PRIMARY_ROLLOUT twice, the second time from yet another plugin with no record of the first.
            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 1,
                                    options: F.traffic(primary: 50, canary: 50))
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 2)
            let primaries = try fixture.state().instances.filter { $0.variant == .primary }.map(\.process)
            state = try fixture.state()
            state.completedStages = [:]
            try StateStore(dataDirectory: fixture.dataDirectory).save(state)
            plugin = try await fixture.plugin()
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 2, attempt: 2)
            state = try fixture.state()
            #expect(state.instances.filter { $0.variant == .primary }.map(\.process) == primaries)
            #expect(state.instances.filter { $0.keptBy == "d-2" }.count == 2)
            #expect(try fixture.running(.primary, Self.v2).count == 2)
            let counts = await fixture.sample(400)
            #expect((160...240).contains(counts["canary"] ?? 0) && counts["failed"] == nil, "\(counts)")
        }
    }
}
