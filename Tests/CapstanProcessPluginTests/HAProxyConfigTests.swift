import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

/// The rendered HAProxy configuration: its shape, and that HAProxy itself accepts it.
struct HAProxyConfigTests {
    static let commit = CommitID(String(repeating: "e", count: 40))!

    static var state: ProcessState {
        var state = ProcessState()
        state.services["shop/web"] = ServiceRecord(app: "shop", name: "web", port: 18080, healthPath: "/healthz")
        state.services["shop/api v2"] = ServiceRecord(app: "shop", name: "api v2", port: 18081)
        let identity = ProcessIdentity(pid: 1, startTime: 1)
        state.instances = [
            InstanceRecord(app: "shop", service: "web", variant: .primary, commit: commit, port: 41001,
                           process: identity, weight: 100, logPath: "/dev/null"),
            InstanceRecord(app: "shop", service: "web", variant: .canary, commit: commit, port: 41002,
                           process: identity, weight: 0, logPath: "/dev/null"),
            InstanceRecord(app: "shop", service: "web", variant: .primary, commit: commit, port: 41003,
                           process: identity, weight: nil, logPath: "/dev/null"),
        ]
        return state
    }

    static let paths = HAProxyConfig.Paths(statsSocket: "/tmp/capstan-test-haproxy.sock", metricsPort: 19100,
                                           serverStateFile: "/tmp/capstan-test-haproxy.state")

    @Test func oneFrontendAndBackendPerServiceWithTheInstancesThatHaveAWeight() {
        let text = HAProxyConfig.render(Self.state, paths: Self.paths)
        #expect(text.contains("stats socket /tmp/capstan-test-haproxy.sock level admin"))
        #expect(text.contains("    bind 127.0.0.1:19100\n    http-request use-service prometheus-exporter if { path /metrics }"))
        #expect(text.contains("frontend fe_shop_web\n    bind 127.0.0.1:18080\n    default_backend be_shop_web"))
        #expect(text.contains("frontend fe_shop_api_v2\n    bind 127.0.0.1:18081"))
        #expect(text.contains("    option httpchk GET /healthz"))
        #expect(text.contains("    server primary-eeeeeee-41001 127.0.0.1:41001 weight 100 check"))
        #expect(text.contains("    server canary-eeeeeee-41002 127.0.0.1:41002 weight 0 check"))
        #expect(!text.contains("41003")) // not ready yet: not in HAProxy
        // A reload starts from the saved server states; failed requests are logged with why.
        #expect(text.contains("    server-state-file /tmp/capstan-test-haproxy.state\n"))
        #expect(text.contains("    load-server-state-from-file global\n"))
        #expect(text.contains("    log stdout format raw local0\n    option httplog\n    option dontlog-normal\n"))
    }

    @Test func theTopologyIgnoresWeightsSoThatOnlyServerChangesReload() {
        var state = Self.state
        let before = HAProxyConfig.render(state, paths: Self.paths, weights: false)
        state.instances[0].weight = 7
        #expect(HAProxyConfig.render(state, paths: Self.paths, weights: false) == before)
        state.instances[2].weight = 0
        #expect(HAProxyConfig.render(state, paths: Self.paths, weights: false) != before)
    }

    @Test func haproxyAcceptsTheConfiguration() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-\(UUID().uuidString).cfg").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try HAProxyConfig.render(Self.state, paths: Self.paths).write(toFile: file, atomically: true, encoding: .utf8)
        let settings = try PluginSettings([:])
        let status = try await runToCompletion(DetachedCommand(
            executable: settings.haproxy, arguments: ["-c", "-q", "-f", file], environment: HAProxyController.baseEnvironment,
            workingDirectory: "/", logPath: file + ".log"))
        #expect(status == 0, "\(logTail(file + ".log"))")
        try? FileManager.default.removeItem(atPath: file + ".log")
    }
}
