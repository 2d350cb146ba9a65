import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

#if canImport(Glibc)
import Glibc
#endif

/// What survives a restart of the plugin or the server, and what liveState reports.
@Suite(.serialized)
struct LiveStateTests {
    static let v1 = ProcessPluginFixture.commit("a")
    static let v2 = ProcessPluginFixture.commit("b")

    @Test func aNewPluginFindsWhatRunsAndAKilledInstanceShowsAsNotReady() async throws {
        try await ProcessPluginFixture.run { fixture in
            try fixture.checkout(Self.v1, version: "1.0.0")
            let result = try await fixture.plugin().executeStage(fixture.params(.sync, commit: Self.v1),
                                                                 log: StageLogLines().logger)
            #expect(result.status == .success, "\(result.reason ?? "")")

            let restarted = try await fixture.plugin()
            var live = try await restarted.liveState(LiveStateParams(app: ProcessPluginFixture.app))
            let resource = try #require(live.resources.first)
            #expect(live.resources.count == 1)
            #expect(resource.name == "hello" && resource.variant == .primary && resource.commit == Self.v1)
            #expect(resource.replicas == 2 && resource.readyReplicas == 2 && resource.health == .healthy)
            #expect(Set(resource.ports) == Set(try fixture.state().instances.map(\.port)))
            guard case .object(let manifest)? = resource.manifest else {
                Issue.record("no manifest in \(resource)")
                return
            }
            #expect(manifest["replicas"] == .number(2) && manifest["kind"] == .string("ProcessService"))

            let victim = try #require(try fixture.state().instances.first)
            _ = kill(-victim.process.pid, SIGKILL)
            #expect(await victim.process.waitUntilGone(within: .seconds(3)))
            live = try await restarted.liveState(LiveStateParams(app: ProcessPluginFixture.app))
            #expect(live.resources.first?.readyReplicas == 1)
            #expect(live.resources.first?.health == .degraded)
            #expect(live.resources.first?.details?.contains("\(victim.port)") == true)
            #expect(fixture.servedVersion() == "1.0.0") // HAProxy routes around the dead one.
            #expect(try await restarted.liveState(LiveStateParams(app: "other")).resources.isEmpty)
        }
    }

    @Test func aDeadHAProxyIsStartedAgainFromTheStateFile() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1)
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: StageLogLines().logger)
            let haproxy = try #require(try fixture.state().haproxy?.master)
            _ = kill(-haproxy.pid, SIGKILL)
            #expect(await haproxy.waitUntilGone(within: .seconds(3)))
            #expect(fixture.servedVersion() == nil)

            let log = StageLogLines()
            let result = try await fixture.plugin().executeStage(
                fixture.params(.sync, commit: Self.v2, previous: Self.v1, deployment: "d-2"), log: log.logger)
            #expect(result.status == .success, "\(result.reason ?? "")")
            #expect(log.all.contains { $0.hasPrefix("HAProxy started") })
            #expect(try fixture.state().haproxy?.master != haproxy)
            #expect(fixture.servedVersion() == "2.0.0")
        }
    }

    /// Between stages too: the plugin's supervisor starts a dead HAProxy again with the recorded weights, so
    /// traffic resumes without waiting for the next deployment.
    @Test func aDeadHAProxyIsStartedAgainBetweenStages() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: StageLogLines().logger)
            #expect(await plugin.restartHAProxyIfDead() == false, "a live HAProxy is left alone")
            let haproxy = try #require(try fixture.state().haproxy?.master)
            _ = kill(-haproxy.pid, SIGKILL)
            #expect(await haproxy.waitUntilGone(within: .seconds(3)))
            #expect(fixture.servedVersion() == nil)

            let supervisor = Task { await plugin.superviseHAProxy(every: .milliseconds(100)) }
            var served: String?
            for _ in 0..<100 where served == nil {
                try await Task.sleep(for: .milliseconds(100))
                served = fixture.servedVersion()
            }
            supervisor.cancel()
            await supervisor.value
            #expect(served == "1.0.0")
            let restarted = try #require(try fixture.state().haproxy?.master)
            #expect(restarted != haproxy && restarted.isAlive)
        }
    }

    @Test func theMetricsPortServesHAProxysPrometheusExporter() async throws {
        try await ProcessPluginFixture.run { fixture in
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            _ = try await fixture.plugin().executeStage(fixture.params(.sync, commit: Self.v1), log: StageLogLines().logger)
            _ = fixture.servedVersion()
            let metrics = try #require(LoopbackSockets.httpGet(port: fixture.metricsPort, path: "/metrics"))
            #expect(metrics.status == 200)
            #expect(metrics.body.contains(#"haproxy_server_http_responses_total{proxy="be_hello_hello""#))
        }
    }
}
