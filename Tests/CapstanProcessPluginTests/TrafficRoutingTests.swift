import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

#if canImport(Glibc)
import Glibc
#endif

/// TRAFFIC_ROUTING through real HAProxy weights: shares per variant, whatever the instance counts.
@Suite(.serialized)
struct TrafficRoutingTests {
    static let v1 = ProcessPluginFixture.commit("3")
    static let v2 = ProcessPluginFixture.commit("4")

    @Test func aTenPercentCanaryOnOneInstanceBesideFourPrimariesGetsTenPercentOfRequests() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            let log = StageLogLines()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 4)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 4)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)

            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                    options: ProcessPluginFixture.replicas(.number(1)), log: log)
            #expect(try fixture.running(.canary, Self.v2).count == 1)
            #expect(await fixture.sample(100) == ["primary": 100]) // weight 0 until routed

            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 1,
                                    options: ProcessPluginFixture.traffic(primary: 90, canary: 10), log: log)
            var counts = await fixture.sample(1000)
            #expect(counts["failed"] == nil)
            #expect((50...150).contains(counts["canary"] ?? 0), "\(counts)")
            #expect(log.all.contains { $0.hasPrefix("hello traffic: primary 90%, canary 10% (weights primary-") && $0.contains("=114") })

            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 2,
                                    options: ProcessPluginFixture.traffic(primary: 50, canary: 50))
            counts = await fixture.sample(1000)
            #expect(counts["failed"] == nil)
            #expect((400...600).contains(counts["canary"] ?? 0), "\(counts)")

            // No baseline runs: refused, and the split stays as it was.
            let refused = try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 3,
                                                  options: ProcessPluginFixture.traffic(primary: 90, baseline: 10),
                                                  expect: .failure)
            #expect(refused.reason?.contains("no baseline instance is ready to take 10% of traffic") == true)
            #expect(try fixture.state().services.values.first?.traffic == TrafficShares(primary: 50, canary: 50, baseline: 0))

            let live = try await plugin.liveState(LiveStateParams(app: ProcessPluginFixture.app))
            let canary = try #require(live.resources.first { $0.variant == .canary })
            #expect(canary.commit == Self.v2 && canary.replicas == 1 && canary.readyReplicas == 1 && canary.health == .healthy)
            #expect(canary.details?.contains("50% of traffic") == true)
            #expect(live.resources.first { $0.variant == .primary }?.readyReplicas == 4)
        }
    }

    @Test func aRestartedPluginAndHAProxyRestoreTheSplitAndBaselineCompletesIt() async throws {
        try await ProcessPluginFixture.run { fixture in
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 2)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 2)
            var plugin = try await fixture.plugin()
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                    options: ProcessPluginFixture.replicas(.string("50%")))
            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 1,
                                    options: ProcessPluginFixture.traffic(primary: 50, canary: 50))
            let canary = try #require(try fixture.running(.canary, Self.v2).first)

            // HAProxy dies and the plugin restarts: the next stage starts HAProxy from the state file, weights included.
            let haproxy = try #require(try fixture.state().haproxy?.master)
            _ = kill(-haproxy.pid, SIGKILL)
            #expect(await haproxy.waitUntilGone(within: .seconds(3)))
            plugin = try await fixture.plugin()
            let log = StageLogLines()
            try await fixture.stage(plugin, .baselineRollout, commit: Self.v2, previous: Self.v1, index: 2,
                                    options: ProcessPluginFixture.replicas(.string("50%")), log: log)
            #expect(log.all.contains { $0.hasPrefix("HAProxy started") })
            #expect(try fixture.running(.canary, Self.v2).map(\.process) == [canary.process])
            #expect(try fixture.running(.baseline, Self.v1).count == 1)
            var counts = await fixture.sample(400)
            #expect(counts["failed"] == nil && counts["baseline"] == nil)
            #expect((160...240).contains(counts["canary"] ?? 0), "\(counts)")

            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 3,
                                    options: ProcessPluginFixture.traffic(primary: 80, canary: 10, baseline: 10))
            counts = await fixture.sample(1000)
            #expect((50...150).contains(counts["canary"] ?? 0) && (50...150).contains(counts["baseline"] ?? 0), "\(counts)")

            let cleanLog = StageLogLines()
            try await fixture.stage(plugin, .baselineClean, commit: Self.v2, previous: Self.v1, index: 4, log: cleanLog)
            #expect(cleanLog.all.contains("hello baseline had 10% of traffic; moved to primary (primary 90%, canary 10%)"))
            #expect(cleanLog.all.contains { $0.contains("drained 1 instance(s)") })
            #expect(try fixture.running(.baseline, Self.v1).isEmpty)
            #expect(try fixture.state().services.values.first?[.baseline] == nil)
            counts = await fixture.sample(400)
            #expect(counts["failed"] == nil && counts["baseline"] == nil, "\(counts)")
        }
    }

    @Test func baselineWithoutAPreviousCommitFailsWithAReason() async throws {
        try await ProcessPluginFixture.run { fixture in
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            let result = try await fixture.stage(try await fixture.plugin(), .baselineRollout, commit: Self.v1,
                                                 deployment: "d-1", index: 0, expect: .failure)
            #expect(result.reason?.contains("BASELINE_ROLLOUT runs the commit deployed now, and hello has none yet") == true)
            #expect(try fixture.state().instances.isEmpty)
        }
    }
}
